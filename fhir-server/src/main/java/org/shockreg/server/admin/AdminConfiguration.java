package org.shockreg.server.admin;

import org.shockreg.registry.intake.DeadLetterRepository;
import org.shockreg.registry.intake.IntakeCatalog;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The registry repositories the operations endpoints read (their SQL lives in {@code registry}).
 */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

  @Bean
  DeadLetterRepository deadLetterRepository(JdbcTemplate jdbc) {
    return new DeadLetterRepository(jdbc);
  }

  @Bean
  IntakeCatalog intakeCatalog(JdbcTemplate jdbc) {
    return new IntakeCatalog(jdbc);
  }
}
