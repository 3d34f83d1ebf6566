package org.shockreg.server.security;

import static org.springframework.http.HttpMethod.GET;
import static org.springframework.http.HttpMethod.HEAD;
import static org.springframework.http.HttpMethod.OPTIONS;

import com.nimbusds.jose.JWSAlgorithm;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.shockreg.registry.db.GeneratedSecret;
import org.shockreg.server.bulk.BulkExportConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Spring Security as an OAuth2 resource server (docs/security.md): static tokens and JWTs side by
 * side, Spring's {@link StrictHttpFirewall}, and the roles of the non-FHIR endpoints as request
 * matchers. {@code /fhir/**} only needs an authenticated caller here: what it may do there is
 * decided on the parsed FHIR request by {@code FhirAuthorizationInterceptor}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
public class SecurityConfiguration {

  private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);
  private static final SecurityErrors ERRORS = new SecurityErrors();

  @Bean
  StaticTokens staticTokens(SecurityProperties props, DataDirectoryProperties dirs)
      throws IOException {
    Path adminToken = null;
    if (props.tokens().isEmpty()) {
      adminToken = dirs.resolve("admin-token");
      GeneratedSecret.readOrCreate(
          adminToken, bytes -> Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }
    Path tokensFile = props.tokensFile() != null ? props.tokensFile() : dirs.resolve("tokens.yaml");
    StaticTokens tokens =
        new StaticTokens(
            props.tokens(), tokensFile, adminToken, props.reloadInterval(), Clock.systemUTC());
    log.info(
        "event=security_configured static_tokens={} tokens_file={} generated_admin_token={} jwt={}",
        tokens.size(),
        tokensFile,
        adminToken != null,
        props.jwt().enabled());
    return tokens;
  }

  /** Static tokens first; with a JWK set configured, JWTs (RS256, ES256) next. */
  @Bean
  AuthenticationManager shockRegAuthenticationManager(
      StaticTokens tokens, SecurityProperties props) {
    List<AuthenticationProvider> providers = new ArrayList<>();
    SecurityProperties.Jwt jwt = props.jwt();
    providers.add(new StaticTokenAuthenticationProvider(tokens, jwt.enabled()));
    if (jwt.enabled()) {
      NimbusJwtDecoder decoder =
          NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri().toString())
              .jwsAlgorithms(
                  algs -> {
                    algs.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.RS256);
                    algs.add(org.springframework.security.oauth2.jose.jws.SignatureAlgorithm.ES256);
                  })
              .build();
      List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
      validators.add(
          jwt.issuer() == null || jwt.issuer().isBlank()
              ? JwtValidators.createDefault()
              : JwtValidators.createDefaultWithIssuer(jwt.issuer()));
      if (jwt.audience() != null && !jwt.audience().isBlank()) {
        validators.add(
            new JwtClaimValidator<List<String>>(
                JwtClaimNames.AUD, aud -> aud != null && aud.contains(jwt.audience())));
      }
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
      JwtAuthenticationProvider provider = new JwtAuthenticationProvider(decoder);
      provider.setJwtAuthenticationConverter(new JwtPrincipals(jwt));
      providers.add(provider);
      // the JWK set URL without query or fragment: no credentials in logs
      java.net.URI u = jwt.jwkSetUri();
      log.info(
          "event=jwt_configured jwk_set={}://{}{} issuer={} audience={} algorithms={}",
          u.getScheme(),
          u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()),
          u.getPath(),
          jwt.issuer(),
          jwt.audience(),
          List.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256));
    }
    ProviderManager manager = new ProviderManager(providers);
    manager.setEraseCredentialsAfterAuthentication(true);
    return manager;
  }

  /** Authorization of the FHIR API on HAPI's parsed request (registered with the RestfulServer). */
  @Bean
  FhirAuthorizationInterceptor fhirAuthorizationInterceptor() {
    return new FhirAuthorizationInterceptor();
  }

  @Bean
  HttpFirewall httpFirewall() {
    // the defaults: no encoded slash, backslash, percent, period or semicolon, no "//", "/./",
    // "/../", only the usual methods; the parsed FHIR request then meets the same path HAPI sees
    return new StrictHttpFirewall();
  }

  /** Before every other filter (see {@link FirewallFilter}). */
  @Bean
  FilterRegistrationBean<FirewallFilter> firewallFilter(HttpFirewall firewall) {
    FilterRegistrationBean<FirewallFilter> bean =
        new FilterRegistrationBean<>(new FirewallFilter(firewall, ERRORS));
    bean.setOrder(Ordered.HIGHEST_PRECEDENCE);
    bean.addUrlPatterns("/*");
    return bean;
  }

  /** The one RequestRejectedHandler bean (Spring Security takes it only when it is unique). */
  @Bean
  RequestRejectedHandler requestRejectedHandler() {
    return ERRORS;
  }

  /** Requests per minute per principal ({@code shockreg.limits.requests-per-minute}, 0: off). */
  @Bean
  RequestRateLimiter requestRateLimiter(RequestLimitsProperties limits) {
    log.info(
        "event=request_limits requests_per_minute={} max_concurrent_bulk_exports={}",
        limits.requestsPerMinute(),
        limits.maxConcurrentBulkExports());
    return new RequestRateLimiter(limits.requestsPerMinute(), System::nanoTime);
  }

  /**
   * {@code shockreg.limits.max-concurrent-bulk-exports} on $export kick-offs (after authorization).
   */
  @Bean
  BulkExportLimitInterceptor bulkExportLimitInterceptor(
      org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate jdbc,
      com.fasterxml.jackson.databind.ObjectMapper json,
      DataDirectoryProperties dataDir,
      RequestLimitsProperties limits) {
    // counts the caller's jobs on every instance; the owner (this instance's directory) plays no
    // part
    BulkExportJobStore jobs =
        new BulkExportJobStore(jdbc, json, BulkExportConfiguration.exportRoot(dataDir).toString());
    return new BulkExportLimitInterceptor(
        jobs, limits.maxConcurrentBulkExports(), java.time.Duration.ofSeconds(30));
  }

  @Bean
  SecurityFilterChain securityFilterChain(
      HttpSecurity http, AuthenticationManager manager, RequestRateLimiter rateLimiter)
      throws Exception {
    SecurityErrors errors = ERRORS;
    // who the caller is (for the audit trail) and its request rate, right after authentication
    http.addFilterAfter(new CallerFilter(rateLimiter), BearerTokenAuthenticationFilter.class);
    PathPatternRequestMatcher.Builder path = PathPatternRequestMatcher.withDefaults();
    http.csrf(c -> c.disable()) // bearer tokens only: no cookies, no session
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .requestCache(c -> c.disable())
        .httpBasic(b -> b.disable())
        .formLogin(f -> f.disable())
        .logout(l -> l.disable())
        .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors))
        .oauth2ResourceServer(
            o ->
                o.authenticationManagerResolver(request -> manager)
                    .authenticationEntryPoint(errors)
                    .accessDeniedHandler(errors))
        .authorizeHttpRequests(
            a ->
                a.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                    .permitAll()
                    // open: the CapabilityStatement, health (details only for admins), JWKS,
                    // console assets
                    .requestMatchers(
                        path.matcher(GET, "/fhir/metadata"), path.matcher(HEAD, "/fhir/metadata"))
                    .permitAll()
                    .requestMatchers(path.matcher(OPTIONS, "/fhir"))
                    .permitAll()
                    .requestMatchers(
                        path.matcher(GET, "/actuator/health"),
                        path.matcher(GET, "/actuator/health/**"))
                    .permitAll()
                    .requestMatchers(
                        path.matcher(GET, "/.well-known/**"), path.matcher(HEAD, "/.well-known/**"))
                    .permitAll()
                    .requestMatchers(
                        path.matcher(GET, "/"),
                        path.matcher(GET, "/favicon.ico"),
                        path.matcher(GET, "/static/**"),
                        path.matcher(GET, "/console"),
                        path.matcher(GET, "/console/**"),
                        path.matcher(GET, "/webjars/**"),
                        path.matcher(GET, "/fhir/api-docs"),
                        path.matcher(GET, "/fhir/swagger-ui/**"))
                    .permitAll()
                    // the FHIR API: any caller; the interceptor authorizes the parsed request
                    .requestMatchers(path.matcher("/fhir"), path.matcher("/fhir/**"))
                    .authenticated()
                    .requestMatchers(path.matcher("/ingest/**"))
                    .hasAnyAuthority(Role.ADMIN.authority(), Role.INGEST.authority())
                    .requestMatchers(path.matcher("/edc/{studyId}/**"))
                    .access(SecurityConfiguration::edcStudy)
                    .anyRequest()
                    .hasAuthority(Role.ADMIN.authority()));
    return http.build();
  }

  /** {@code /edc/{studyId}/**}: admin, or edc of that study. */
  @SuppressWarnings("deprecation")
  private static AuthorizationDecision edcStudy(
      Supplier<Authentication> authentication, RequestAuthorizationContext context) {
    String study = context.getVariables().get("studyId");
    boolean allowed =
        authentication.get() != null
            && authentication.get().getPrincipal() instanceof ShockRegPrincipal p
            && (p.isAdmin() || (p.role() == Role.EDC && p.studies().contains(study)));
    return new AuthorizationDecision(allowed);
  }
}
