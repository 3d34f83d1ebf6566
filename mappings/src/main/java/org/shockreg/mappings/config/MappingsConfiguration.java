package org.shockreg.mappings.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the mapping engine: built-in rules and the pseudonym key. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({PseudonymProperties.class, DataDirectoryProperties.class})
public class MappingsConfiguration {

  private static final Logger log = LoggerFactory.getLogger(MappingsConfiguration.class);

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
    Path file = dirs.resolve("pseudonym-key");
    if (Files.exists(file)) {
      return Base64.getDecoder().decode(Files.readString(file).trim());
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.createDirectories(file.getParent());
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      log.warn("event=pseudonym_key_permissions_unsupported file={}", file);
    }
    log.info("event=pseudonym_key_generated file={}", file);
    return key;
  }
}
