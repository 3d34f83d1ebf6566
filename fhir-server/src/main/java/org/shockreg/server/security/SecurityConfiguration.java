package org.shockreg.server.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Bearer-token security: configured tokens, or a generated admin token on first start. */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

  private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

  @Bean
  FilterRegistrationBean<BearerTokenFilter> bearerTokenFilter(
      SecurityProperties props, DataDirectoryProperties dirs) throws IOException {
    Map<String, Role> tokens = new LinkedHashMap<>();
    for (SecurityProperties.ApiToken t : props.tokens()) {
      if (t.token() == null || t.token().length() < 16) {
        throw new IllegalStateException("shockreg.security.tokens: each token needs 16+ characters");
      }
      tokens.put(t.token(), Role.parse(t.role()));
    }
    if (tokens.isEmpty()) {
      tokens.put(adminToken(dirs.resolve("admin-token")), Role.ADMIN);
    }
    FilterRegistrationBean<BearerTokenFilter> bean =
        new FilterRegistrationBean<>(new BearerTokenFilter(tokens));
    bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    bean.addUrlPatterns("/*");
    return bean;
  }

  static String adminToken(Path file) throws IOException {
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Files.createDirectories(file.getParent());
    Files.writeString(file, token + "\n");
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      log.warn("event=admin_token_permissions_unsupported file={}", file);
    }
    log.info("event=admin_token_generated file={}", file);
    return token;
  }
}
