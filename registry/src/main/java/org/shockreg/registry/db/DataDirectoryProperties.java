package org.shockreg.registry.db;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where ShockReg keeps what it owns on disk: embedded PostgreSQL data ({@code pg/}), intake drop
 * folders ({@code inbox/}) and generated secrets ({@code admin-token}, {@code pseudonym-key}).
 */
@ConfigurationProperties("shockreg")
public record DataDirectoryProperties(@DefaultValue("./data") Path dataDir) {

  public Path resolve(String child) {
    return dataDir.toAbsolutePath().normalize().resolve(child);
  }
}
