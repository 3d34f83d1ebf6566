package org.shockreg.registry.db;

import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
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

  @Bean
  static BeanPostProcessor readReplicaRouting(Environment environment) {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        if (!"dataSource".equals(name)
            || !(bean instanceof DataSource primary)
            || bean instanceof ReadReplicaDataSource) {
          return bean;
        }
        ReadReplicaProperties props =
            Binder.get(environment)
                .bindOrCreate("shockreg.read-replica", ReadReplicaProperties.class);
        return ReadReplicaDataSource.over(primary, props);
      }
    };
  }
}
