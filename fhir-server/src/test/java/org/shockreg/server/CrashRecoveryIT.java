package org.shockreg.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.shockreg.server.crash.CrashDrill;
import org.shockreg.server.crash.RegistryServer.KillMode;
import org.shockreg.server.crash.RegistryServer.Launch;

/**
 * The kill -9 drill of issue 10 at CI size ({@link CrashDrill}; the 100 k version is the benchmarks
 * module's CrashRecoveryBenchmark): the real server as a child process on its own embedded
 * PostgreSQL ingests ~5,000 synthetic resources crash-free (run A); on a fresh data dir the same
 * chunks are posted while the server is killed mid-ingest, once the JVM alone, once its process
 * group and once everything including PostgreSQL, each followed by one start (run B); after a
 * re-post of everything both registries must hold exactly the same, and every start must have come
 * up on the first try.
 */
class CrashRecoveryIT {

  @Test
  void killedMidIngestAndRestarted_endsEqualToACrashFreeRun() throws Exception {
    Launch launch =
        new Launch(
            // quick starts on a small heap: this is about recovery, not speed
            List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
            List.of(
                "-cp",
                System.getProperty(
                    "surefire.test.class.path", System.getProperty("java.class.path")),
                ShockRegApplication.class.getName()),
            // several transactions per posted body, so a kill can land between two of them
            List.of("--shockreg.intake.batch-size=200"));
    CrashDrill.Options options =
        new CrashDrill.Options(
            20261205L,
            5_000,
            500,
            List.of(KillMode.JVM, KillMode.GROUP, KillMode.ALL),
            launch,
            Path.of("target", "crash-drill").toAbsolutePath(),
            Duration.ofSeconds(120));

    CrashDrill.Result result = new CrashDrill(options).run();

    assertThat(result.restarts())
        .allSatisfy(
            r ->
                assertThat(r.firstTryUp())
                    .as(
                        "restart %d after a %s kill came up on the first try (%s)",
                        r.number(), r.mode(), r.failure())
                    .isTrue());
    assertThat(result.mismatches()).as("run B (crashes) against run A (crash-free)").isEmpty();
    assertThat(result.totalsA().get("fhir Observation total")).isNotEqualTo("0");
    assertThat(result.restarts()).hasSize(3);
  }
}
