package org.shockreg.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.shockreg.registry.db.DataDirectoryProperties;

/** The Bulk job runner id: this host's name and the data dir, stable across restarts. */
class BulkExportInstanceIdTest {

  @Test
  @EnabledOnOs(OS.LINUX)
  void hostAndDataDir_withoutAskingTheResolver() throws Exception {
    Path dataDir = Path.of("target/some-data").toAbsolutePath().normalize();
    String id = BulkExportConfiguration.instanceId(new DataDirectoryProperties(dataDir));
    String env = System.getenv("HOSTNAME");
    String host =
        env != null && !env.isBlank()
            ? env.trim()
            : Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    assertThat(id).isEqualTo(host + ":" + dataDir);
    assertThat(BulkExportConfiguration.instanceId(new DataDirectoryProperties(dataDir)))
        .isEqualTo(id);
  }
}
