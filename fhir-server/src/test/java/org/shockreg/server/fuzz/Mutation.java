package org.shockreg.server.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One change to a JSON payload: {@code target} picks the node (modulo the candidates of the kind),
 * {@code variant} the replacement. Plain numbers, so a failing case prints as a short list of
 * small, readable mutations.
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

  static Mutation any(RandomGenerator random) {
    Kind[] kinds = Kind.values();
    return new Mutation(
        kinds[random.nextInt(kinds.length)],
        random.nextInt(0, 1_000_001),
        random.nextInt(0, 1_001));
  }

  /** Up to {@code max} mutations (none is a case too: the seed as it is). */
  static List<Mutation> list(RandomGenerator random, int max) {
    int n = random.nextInt(0, max + 1);
    List<Mutation> mutations = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      mutations.add(any(random));
    }
    return mutations;
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
    /** Weight of NONE against 1 for each other change. */
    private static final int UNCHANGED_WEIGHT = 12;

    /** Mostly no change: a body broken as a whole tests little of what is inside it. */
    static Text any(RandomGenerator random) {
      TextChange[] changes = TextChange.values();
      int roll = random.nextInt(UNCHANGED_WEIGHT + changes.length - 1);
      TextChange change =
          roll < UNCHANGED_WEIGHT ? TextChange.NONE : changes[roll - UNCHANGED_WEIGHT + 1];
      return new Text(change, random.nextInt(0, 1_000_001));
    }
  }
}
