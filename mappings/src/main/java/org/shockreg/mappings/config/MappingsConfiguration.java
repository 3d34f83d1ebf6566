package org.shockreg.mappings.config;

import java.io.IOException;
import java.util.Base64;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.db.GeneratedSecret;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the mapping engine: built-in rules and the pseudonym key. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({PseudonymProperties.class, DataDirectoryProperties.class})
public class MappingsConfiguration {

  @Bean
  RuleSet ruleSet() {
    return new RuleSetLoader().loadBuiltIn();
  }

  @Bean
  Pseudonymizer pseudonymizer(PseudonymProperties props, DataDirectoryProperties dirs)
      throws IOException {
    return new Pseudonymizer(pseudonymKey(props, dirs));
  }

  @Bean
  MappingEngine mappingEngine(RuleSet rules, Pseudonymizer pseudonymizer) {
    return new MappingEngine(rules, pseudonymizer);
  }

  static byte[] pseudonymKey(PseudonymProperties props, DataDirectoryProperties dirs)
      throws IOException {
    if (props.key() != null && !props.key().isBlank()) {
      return Base64.getDecoder().decode(props.key().trim());
    }
    String key =
        GeneratedSecret.readOrCreate(
            dirs.resolve("pseudonym-key"), bytes -> Base64.getEncoder().encodeToString(bytes));
    return Base64.getDecoder().decode(key);
  }
}
