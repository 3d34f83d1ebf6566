package org.shockreg.mappings.config;

import java.io.IOException;
import java.util.Base64;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.mappings.identity.IdentityProperties;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.mappings.rules.SiteMappings;
import org.shockreg.mappings.rules.SiteRulesException;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.db.GeneratedSecret;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the mapping engine: built-in rules, site mapping files and the pseudonym key. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  PseudonymProperties.class,
  DataDirectoryProperties.class,
  MappingsProperties.class,
  IdentityProperties.class
})
public class MappingsConfiguration {

  /** The built-in rules (all sites); the engine holds them with the site rules on top. */
  @Bean
  RuleSet ruleSet() {
    return new RuleSetLoader().loadBuiltIn();
  }

  @Bean
  SiteMappings siteMappings(RuleSet builtIn, MappingsProperties props) {
    return new SiteMappings(builtIn, props.sitesDir());
  }

  @Bean
  Pseudonymizer pseudonymizer(PseudonymProperties props, DataDirectoryProperties dirs)
      throws IOException {
    return new Pseudonymizer(pseudonymKey(props, dirs));
  }

  /** Starts with the site files as they are; a file with errors stops the start, naming them. */
  @Bean
  MappingEngine mappingEngine(
      SiteMappings sites, Pseudonymizer pseudonymizer, IdentityProperties identity) {
    try {
      MappingEngine engine = new MappingEngine(sites.load(), pseudonymizer);
      engine.linkPatientsBy(identity.sharedIdentifierSystem());
      return engine;
    } catch (SiteRulesException e) {
      throw new IllegalStateException(
          "site mapping files in " + sites.directory() + " are not valid: " + e.getMessage(), e);
    }
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
