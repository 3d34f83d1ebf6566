package org.shockreg.server.security;

import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.CREATE;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.EXTENDED_OPERATION_SERVER;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.EXTENDED_OPERATION_TYPE;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.GET_PAGE;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.METADATA;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.READ;
import static ca.uhn.fhir.rest.api.RestOperationTypeEnum.SEARCH_TYPE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The role and scope table of docs/security.md, rule by rule. */
class FhirAccessRulesTest {

  static ShockRegPrincipal who(Role role, String scopes, String... studies) {
    return new ShockRegPrincipal(
        ShockRegPrincipal.Kind.STATIC_TOKEN,
        "t",
        null,
        role,
        Set.of(studies),
        SmartScopes.parse(scopes));
  }

  static boolean allowed(
      ShockRegPrincipal p,
      ca.uhn.fhir.rest.api.RestOperationTypeEnum op,
      String type,
      String id,
      String operation) {
    return FhirAccessRules.denial(p, op, type, id, operation) == null;
  }

  @Test
  void roles() {
    ShockRegPrincipal admin = who(Role.ADMIN, null);
    ShockRegPrincipal analyst = who(Role.ANALYST, null);
    ShockRegPrincipal ingest = who(Role.INGEST, null);
    ShockRegPrincipal edc = who(Role.EDC, null, "altshock-2");
    assertThat(allowed(admin, SEARCH_TYPE, "Provenance", null, null)).isTrue();
    assertThat(allowed(analyst, SEARCH_TYPE, "Provenance", null, null)).isFalse();
    assertThat(allowed(analyst, READ, "AuditEvent", "1", null)).isFalse();
    assertThat(allowed(analyst, SEARCH_TYPE, "Observation", null, null)).isTrue();
    assertThat(allowed(analyst, CREATE, "Observation", null, null)).isFalse();
    assertThat(allowed(ingest, SEARCH_TYPE, "Observation", null, null)).isFalse();
    assertThat(allowed(ingest, METADATA, null, null, null)).isTrue();
    assertThat(allowed(edc, SEARCH_TYPE, "ResearchSubject", null, null)).isTrue();
    assertThat(allowed(edc, READ, "Patient", "p", null)).isFalse();
    assertThat(
            allowed(
                edc, EXTENDED_OPERATION_INSTANCE, "ResearchStudy", "altshock-2", "$interim-report"))
        .isTrue();
    assertThat(
            allowed(edc, EXTENDED_OPERATION_INSTANCE, "ResearchStudy", "other", "$interim-report"))
        .isFalse();
    assertThat(allowed(edc, EXTENDED_OPERATION_INSTANCE, "Group", "all-cs", "$export")).isTrue();
    assertThat(allowed(edc, EXTENDED_OPERATION_SERVER, null, null, "$export")).isFalse();
    assertThat(allowed(edc, EXTENDED_OPERATION_TYPE, "Patient", null, "$export")).isFalse();
    assertThat(allowed(edc, EXTENDED_OPERATION_INSTANCE, "Group", "all-cs", "$cohort-summary"))
        .isFalse();
    assertThat(allowed(edc, EXTENDED_OPERATION_SERVER, null, null, "$export-poll-status")).isTrue();
    assertThat(allowed(analyst, EXTENDED_OPERATION_INSTANCE, "Patient", "p", "$everything"))
        .isTrue();
    assertThat(allowed(analyst, GET_PAGE, null, null, null)).isTrue();
    assertThat(allowed(ingest, GET_PAGE, null, null, null)).isFalse();
  }

  @Test
  void scopesNarrowButNeverWiden() {
    ShockRegPrincipal obs = who(Role.ANALYST, "openid system/Observation.rs");
    assertThat(allowed(obs, SEARCH_TYPE, "Observation", null, null)).isTrue();
    assertThat(allowed(obs, READ, "Observation", "1", null)).isTrue();
    assertThat(allowed(obs, READ, "Patient", "1", null)).isFalse();
    assertThat(allowed(obs, EXTENDED_OPERATION_INSTANCE, "Patient", "1", "$everything")).isFalse();
    assertThat(allowed(who(Role.ANALYST, "system/*.cruds"), READ, "Provenance", "1", null))
        .isFalse();
    assertThat(
            allowed(who(Role.ANALYST, "system/Patient.read"), SEARCH_TYPE, "Patient", null, null))
        .isTrue();
    assertThat(allowed(who(Role.ANALYST, "system/Patient.r"), SEARCH_TYPE, "Patient", null, null))
        .isFalse();
    assertThat(
            allowed(
                who(Role.ANALYST, "system/Patient.rs?gender=female"), READ, "Patient", "1", null))
        .isFalse();
    assertThat(allowed(who(Role.ANALYST, "patient/*.rs"), READ, "Patient", "1", null)).isFalse();
    // no resource scope at all: the role alone
    assertThat(allowed(who(Role.ANALYST, "openid profile"), READ, "Patient", "1", null)).isTrue();
    assertThat(FhirAccessRules.mayReceive(obs, "Patient")).isFalse();
    assertThat(FhirAccessRules.mayReceive(who(Role.EDC, null, "s"), "Patient")).isTrue();
    assertThat(FhirAccessRules.mayReceive(who(Role.EDC, null, "s"), "Observation")).isFalse();
  }
}
