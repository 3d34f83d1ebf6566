package org.shockreg.registry.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;

/**
 * The application's DataSource when a read replica is configured: Spring's {@link
 * LazyConnectionDataSourceProxy} over the primary pool with the replica pool as its read-only
 * DataSource. A transaction marked read-only ({@link AnalystReads}) takes its connection from the
 * replica; everything else (autocommit JdbcTemplate calls, write transactions, Liquibase, Quartz)
 * from the primary. The proxy fetches the real connection at the first statement, once the
 * transaction's read-only flag is known.
 */
public final class ReadReplicaDataSource extends LazyConnectionDataSourceProxy {

  private static final Logger log = LoggerFactory.getLogger(ReadReplicaDataSource.class);

  private final HikariDataSource replica;

  private ReadReplicaDataSource(DataSource primary, HikariDataSource replica) {
    super(primary);
    this.replica = replica;
    setReadOnlyDataSource(replica);
  }

  /** Routes read-only transactions of {@code primary} to the replica {@code props} names. */
  static ReadReplicaDataSource over(DataSource primary, ReadReplicaProperties props) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(props.url());
    if (props.username().isBlank() && primary instanceof HikariDataSource p) {
      config.setUsername(p.getUsername());
      config.setPassword(p.getPassword());
    } else {
      config.setUsername(props.username());
      config.setPassword(props.password());
    }
    config.setMaximumPoolSize(props.maximumPoolSize());
    config.setPoolName("shockreg-replica");
    // so the replica's pg_stat_activity tells the registry's analyst reads apart
    config.addDataSourceProperty("ApplicationName", "shockreg-replica");
    // Replica connections never write, even when the url names a writable server.
    config.setReadOnly(true);
    // A replica that is down must not keep the registry (intake, the primary) from starting:
    // analyst reads fail until it answers.
    config.setInitializationFailTimeout(-1);
    log.info(
        "event=read_replica_routing url={} maximumPoolSize={}",
        withoutParameters(props.url()),
        props.maximumPoolSize());
    return new ReadReplicaDataSource(primary, new HikariDataSource(config));
  }

  /** A url as it may be logged: parameters (a password among them, perhaps) cut off. */
  static String withoutParameters(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  /**
   * The primary pool behind {@code dataSource}: for readers that mark a plain connection read-only
   * but must not lag behind the primary (the Bulk export snapshot, EDC exports).
   */
  public static DataSource primary(DataSource dataSource) {
    return dataSource instanceof ReadReplicaDataSource r ? r.getTargetDataSource() : dataSource;
  }

  /** The replica's pool. */
  public HikariDataSource replica() {
    return replica;
  }

  /**
   * Stops the replica pool. The primary pool is the DataSource bean Spring itself closes (its
   * destroy callback goes to the bean as created, not to this wrapper).
   */
  void closeReplica() {
    replica.close();
  }
}
