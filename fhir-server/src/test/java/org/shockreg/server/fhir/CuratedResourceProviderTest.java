package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * A search signature and its declaration must name the same parameters, or the server does not
 * start.
 */
class CuratedResourceProviderTest {

  static CuratedTypeDeclaration<Patient> declaration() {
    return CuratedTypeDeclaration.of(
            Patient.class, "patient", "patient_id", "patient_id", (rs, i) -> new Patient())
        .ids()
        .token(Patient.SP_GENDER, (q, t) -> "sex = " + q.param(t.getValue()), null);
  }

  static final class Matching extends CuratedResourceProvider<Patient> {
    Matching() {
      super(declaration(), null);
    }

    @Search
    public IBundleProvider search(
        @OptionalParam(name = "_id") TokenAndListParam id,
        @OptionalParam(name = Patient.SP_GENDER) TokenAndListParam gender,
        RequestDetails request) {
      return search(SearchArguments.of(request).with("_id", id).with("birthdate", gender));
    }
  }

  static final class Undeclared extends CuratedResourceProvider<Patient> {
    Undeclared() {
      super(declaration(), null);
    }

    @Search
    public IBundleProvider search(
        @OptionalParam(name = "_id") TokenAndListParam id,
        @OptionalParam(name = Patient.SP_BIRTHDATE) TokenAndListParam birthdate,
        RequestDetails request) {
      return search(SearchArguments.of(request).with("_id", id));
    }
  }

  @Test
  void aSignatureNamingTheDeclaredParameters_isServed() {
    assertThat(new Matching().getResourceType()).isEqualTo(Patient.class);
  }

  @Test
  void aSignatureWithAParameterTheDeclarationLacks_failsAtStartup() {
    assertThatThrownBy(Undeclared::new)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("birthdate")
        .hasMessageContaining("gender");
  }

  @Test
  void anArgumentUnderAnUndeclaredName_isAProgrammingError() {
    assertThatThrownBy(() -> new Matching().search(null, null, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("declares no search parameter birthdate");
  }
}
