package org.shockreg.ingest.pull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Pull sources, {@code shockreg.sources.<sourceId>.*} (interfaces.md, "Pull sources"). The source
 * id is also the site id its data is curated under. Validated at start by {@link
 * PullSourcesValidator}: a bad entry stops the start with a message naming the source and key.
 */
@ConfigurationProperties("shockreg")
public record PullSourcesProperties(Map<String, PullSource> sources) {

  public Map<String, PullSource> sources() {
    return sources == null ? Map.of() : sources;
  }

  /**
   * One EHR endpoint.
   *
   * @param type {@code fhir-rest} or {@code fhir-bulk}
   * @param enabled false keeps the configuration but never pulls
   * @param baseUrl the FHIR base URL
   * @param auth how to authenticate
   * @param schedule a duration ({@code 5m}) or a cron expression ({@code 0 0/15 * * * ?})
   * @param resourceTypes what to pull; default Observation, Procedure, Condition, Encounter,
   *     Patient
   * @param since ISO date: the first run's lower bound (no watermark yet)
   * @param pageSize {@code _count}, default 200
   * @param timeout per-request timeout, default 30s
   * @param group {@code fhir-bulk} only: export {@code Group/<group>/$export} instead of the
   *     system-level {@code $export}
   * @param exportLevel {@code fhir-bulk}: {@code system} (default, {@code $export}), {@code
   *     patient} ({@code Patient/$export}) or {@code group} (needs {@code group})
   * @param typeFilter {@code fhir-bulk}: {@code _typeFilter} entries such as {@code
   *     Observation?code=http://loinc.org|2524-7}
   * @param codeFilter {@code fhir-rest}: ask only for the Observation and Procedure codes the
   *     mapping rules know (built-in and the site's), so only registry-relevant data moves; off by
   *     default, since data under codes nobody mapped yet then never arrives (nor shows in the
   *     unmapped-codes report)
   */
  public record PullSource(
      String type,
      Boolean enabled,
      String baseUrl,
      Auth auth,
      String schedule,
      List<String> resourceTypes,
      String since,
      Integer pageSize,
      Duration timeout,
      String group,
      Boolean codeFilter,
      String exportLevel,
      List<String> typeFilter,
      Duration overlap) {

    @org.springframework.boot.context.properties.bind.ConstructorBinding
    public PullSource {}

    /** A source configured without an overlap (the default 10 minutes). */
    public PullSource(
        String type,
        Boolean enabled,
        String baseUrl,
        Auth auth,
        String schedule,
        List<String> resourceTypes,
        String since,
        Integer pageSize,
        Duration timeout,
        String group,
        Boolean codeFilter,
        String exportLevel,
        List<String> typeFilter) {
      this(
          type,
          enabled,
          baseUrl,
          auth,
          schedule,
          resourceTypes,
          since,
          pageSize,
          timeout,
          group,
          codeFilter,
          exportLevel,
          typeFilter,
          null);
    }

    /**
     * How far before the watermark each fhir-rest run searches again: EHR transactions that commit
     * late carry an earlier lastUpdated than what was already seen. Re-read resources are unchanged
     * by content hash, so the overlap costs a little traffic and no duplicates.
     */
    public Duration overlapOrDefault() {
      return overlap == null ? Duration.ofMinutes(10) : overlap;
    }

    /** {@code system}, {@code patient} or {@code group}: a group id implies {@code group}. */
    public String level() {
      if (exportLevel != null && !exportLevel.isBlank()) {
        return exportLevel.trim();
      }
      return group != null ? "group" : "system";
    }

    public List<String> typeFilters() {
      return typeFilter == null ? List.of() : typeFilter;
    }

    public boolean filtersCodes() {
      return Boolean.TRUE.equals(codeFilter);
    }

    public static final List<String> DEFAULT_TYPES =
        List.of("Patient", "Encounter", "Condition", "Observation", "Procedure");

    public boolean isEnabled() {
      return enabled == null || enabled;
    }

    public List<String> types() {
      return resourceTypes == null || resourceTypes.isEmpty() ? DEFAULT_TYPES : resourceTypes;
    }

    public int count() {
      return pageSize == null ? 200 : pageSize;
    }

    public Duration requestTimeout() {
      return timeout == null ? Duration.ofSeconds(30) : timeout;
    }

    public Auth authOrNone() {
      return auth == null
          ? new Auth("none", null, null, null, null, null, null, null, null, null)
          : auth;
    }
  }

  /**
   * Authentication.
   *
   * @param type {@code none}, {@code basic}, {@code bearer} or {@code smart-backend}
   * @param username basic
   * @param password basic (from the environment, never committed)
   * @param token bearer (from the environment)
   * @param clientId smart-backend: the client id registered at the EHR
   * @param privateKey smart-backend: PEM file of the signing key (RSA for RS384, EC P-384 for
   *     ES384)
   * @param keyId smart-backend: the {@code kid} the EHR knows the public key by (default: a JWK
   *     thumbprint)
   * @param algorithm smart-backend: {@code RS384} (default) or {@code ES384}
   * @param tokenUrl smart-backend: the token endpoint
   * @param scope smart-backend: e.g. {@code system/Observation.read system/Patient.read}
   */
  public record Auth(
      String type,
      String username,
      String password,
      String token,
      String clientId,
      Path privateKey,
      String keyId,
      String algorithm,
      String tokenUrl,
      String scope) {}
}
