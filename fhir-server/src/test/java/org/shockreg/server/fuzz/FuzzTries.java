package org.shockreg.server.fuzz;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.slf4j.LoggerFactory;

/**
 * Runs a fuzz property as JUnit 5 dynamic tests, one per try, each named with its seed. Try {@code
 * i} draws its input from a {@link SplittableRandom} seeded with {@code fuzz.baseSeed + i}, so a
 * run is the same every time and a failing try replays alone.
 *
 * <ul>
 *   <li>{@code -Dfuzz.factor=N} multiplies every property's tries (a longer hunt: e.g. 20);
 *   <li>{@code -Dfuzz.seed=S} runs only the try with seed S (as printed by a failure);
 *   <li>{@code -Dfuzz.baseSeed=B} moves the window of seeds (default {@value #BASE_SEED}).
 * </ul>
 */
final class FuzzTries {

  static final long BASE_SEED = 20_260_101L;

  /**
   * How much of a failing input a failure prints: a megabyte string says no more than its start.
   */
  static final int SHOWN_CHARS = 3_000;

  /** A property's check of one generated input. */
  @FunctionalInterface
  interface Check<T> {
    void accept(T input) throws Throwable;
  }

  private FuzzTries() {}

  static int factor() {
    return Math.max(1, Integer.getInteger("fuzz.factor", 1));
  }

  static <T> Stream<DynamicTest> of(
      String property,
      int tries,
      Function<RandomGenerator, ? extends T> generate,
      Check<? super T> check) {
    Long replay = Long.getLong("fuzz.seed");
    long base = Long.getLong("fuzz.baseSeed", BASE_SEED);
    LongStream seeds =
        replay != null
            ? LongStream.of(replay)
            : LongStream.range(base, base + (long) tries * factor());
    AtomicInteger run = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long started = System.nanoTime();
    return seeds
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest(
                    "seed=" + seed,
                    () -> {
                      run.incrementAndGet();
                      try {
                        once(property, seed, generate, check);
                      } catch (Throwable t) {
                        failed.incrementAndGet();
                        throw t;
                      }
                    }))
        .onClose(
            () ->
                LoggerFactory.getLogger(FuzzTries.class)
                    .info(
                        "event=fuzz_property property={} tries={} failed={} elapsedMs={}",
                        property,
                        run.get(),
                        failed.get(),
                        (System.nanoTime() - started) / 1_000_000));
  }

  private static <T> void once(
      String property,
      long seed,
      Function<RandomGenerator, ? extends T> generate,
      Check<? super T> check) {
    T input = null;
    try {
      input = generate.apply(new SplittableRandom(seed));
      check.accept(input);
    } catch (Throwable t) {
      String shown = String.valueOf(input);
      if (shown.length() > SHOWN_CHARS) {
        shown = shown.substring(0, SHOWN_CHARS) + "... (" + shown.length() + " chars)";
      }
      throw new AssertionError(
          "fuzz property "
              + property
              + " failed at seed="
              + seed
              + " (replay alone: -Dfuzz.seed="
              + seed
              + ")\ninput: "
              + shown
              + "\n"
              + t,
          t);
    }
  }
}
