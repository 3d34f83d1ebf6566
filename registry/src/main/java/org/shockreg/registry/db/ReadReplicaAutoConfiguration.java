package org.shockreg.registry.db;

import javax.sql.DataSource;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * With {@code shockreg.read-replica.url} set, wraps the application's DataSource (Boot's or the
 * embedded PostgreSQL's, whichever was built) in a {@link ReadReplicaDataSource}, so read-only
 * transactions read the replica. Without it nothing is wrapped: the DataSource is the primary pool,
 * as before.
 */
@AutoConfiguration
@ConditionalOnExpression("!'${shockreg.read-replica.url:}'.isBlank()")
public class ReadReplicaAutoConfiguration {

  private static final String DATA_SOURCE = "dataSource";

  @Bean
  static ReadReplicaRouting readReplicaRouting(Environment environment) {
    return new ReadReplicaRouting(environment);
  }

  /** Wraps the {@code dataSource} bean; stops the replica pool when that bean is destroyed. */
  static final class ReadReplicaRouting implements DestructionAwareBeanPostProcessor {

    private final Environment environment;
    private volatile ReadReplicaDataSource routed;

    ReadReplicaRouting(Environment environment) {
      this.environment = environment;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
      if (!DATA_SOURCE.equals(name)
          || !(bean instanceof DataSource primary)
          || bean instanceof ReadReplicaDataSource) {
        return bean;
      }
      ReadReplicaProperties props =
          Binder.get(environment)
              .bindOrCreate("shockreg.read-replica", ReadReplicaProperties.class);
      if (!props.enabled()) {
        return bean;
      }
      routed = ReadReplicaDataSource.over(primary, props);
      return routed;
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String name) {
      ReadReplicaDataSource r = routed;
      if (DATA_SOURCE.equals(name) && r != null) {
        r.closeReplica();
      }
    }
  }
}
