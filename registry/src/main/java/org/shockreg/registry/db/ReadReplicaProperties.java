package org.shockreg.registry.db;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A PostgreSQL hot standby for analyst reads ({@code shockreg.read-replica.*}, docs/scaling.md). An
 * empty {@code url} (the default) leaves routing off; an empty {@code username} uses the primary's
 * user and password (a physical standby has the primary's roles).
 */
@ConfigurationProperties("shockreg.read-replica")
public record ReadReplicaProperties(
    @DefaultValue("") String url,
    @DefaultValue("") String username,
    @DefaultValue("") String password,
    @DefaultValue("10") int maximumPoolSize) {

  public boolean enabled() {
    return url != null && !url.isBlank();
  }
}
