package org.shockreg.server.security;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.db.GeneratedSecret;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Bearer-token security: configured tokens, or a generated admin token on first start. */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

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
    return GeneratedSecret.readOrCreate(
        file, bytes -> Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }
}
