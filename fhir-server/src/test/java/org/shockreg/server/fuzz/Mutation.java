package org.shockreg.server.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * One change to a JSON payload: {@code target} picks the node (modulo the candidates of the kind),
 * {@code variant} the replacement. Plain numbers, so jqwik shrinks a failing case to a short list
 * of small, readable mutations.
 */
record Mutation(Kind kind, int target, int variant) {

  enum Kind {
    DROP_FIELD,
    DUPLICATE_KEY,
    DUPLICATE_ELEMENT,
    SWAP_VALUES,
    WRONG_TYPE,
    HUGE_NUMBER,
    ODD_UNICODE,
    INVALID_DATE,
    BROKEN_REFERENCE,
    DEEP_NESTING,
    LONG_STRING,
    ODD_RESOURCE_TYPE,
    ODD_ID,
    EMPTY_VALUE
  }

  static Arbitrary<Mutation> any() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.integers().between(0, 1_000_000),
            Arbitraries.integers().between(0, 1_000))
        .as(Mutation::new);
  }

  /** Changes to the bytes of a whole body or line after it is written. */
  enum TextChange {
    NONE,
    TRUNCATE,
    GARBAGE,
    BYTE_ORDER_MARK,
    INVALID_UTF8,
    TRAILING_CONTENT
  }

  record Text(TextChange change, int position) {
    /** Mostly no change: a body broken as a whole tests little of what is inside it. */
    static Arbitrary<Text> any() {
      return Combinators.combine(
              Arbitraries.frequency(
                  Tuple.of(12, TextChange.NONE),
                  Tuple.of(1, TextChange.TRUNCATE),
                  Tuple.of(1, TextChange.GARBAGE),
                  Tuple.of(1, TextChange.BYTE_ORDER_MARK),
                  Tuple.of(1, TextChange.INVALID_UTF8),
                  Tuple.of(1, TextChange.TRAILING_CONTENT)),
              Arbitraries.integers().between(0, 1_000_000))
          .as(Text::new);
    }
  }
}
