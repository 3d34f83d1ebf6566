package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.TokenParamModifier;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.param.UriParamQualifierEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeSystem;
import org.junit.jupiter.api.Test;

/**
 * Matching of in-memory definitions: exact tokens and uris, FHIR string search, each type's error
 * codes.
 */
class DefinitionDeclarationTest {

  static CodeSystem codeSystem(String id, String name) {
    CodeSystem cs = new CodeSystem();
    cs.setId(id);
    cs.setUrl("https://fhir.shockreg.org/CodeSystem/" + id);
    cs.setName(name);
    return cs;
  }

  final CodeSystem etiology = codeSystem("cs-etiology", "CardiogenicShockÉtiology");

  final DefinitionDeclaration<CodeSystem> type =
      DefinitionDeclaration.of(
              CodeSystem.class, () -> List.of(etiology), id -> Optional.empty(), id -> id)
          .token("_id", cs -> cs.getIdElement().getIdPart(), null)
          .uri(CodeSystem.SP_URL, cs -> List.of(cs.getUrl()), "SR-X-1")
          .string(CodeSystem.SP_NAME, CodeSystem::getName)
          .token("strict", cs -> cs.getIdElement().getIdPart(), "SR-X-2");

  boolean matches(String name, Object value) {
    return type.matches(etiology, SearchArguments.of(null).with(name, value));
  }

  @Test
  void absentParameters_matchEverything() {
    assertThat(type.matches(etiology, SearchArguments.of(null))).isTrue();
  }

  @Test
  void tokensAndUris_matchExactly_anyOfACommaList() {
    assertThat(
            matches(
                "_id",
                new TokenOrListParam().add(new TokenParam("x")).add(new TokenParam("cs-etiology"))))
        .isTrue();
    assertThat(matches("_id", new TokenOrListParam().add(new TokenParam("cs-etio")))).isFalse();
    assertThat(
            matches(CodeSystem.SP_URL, new UriOrListParam().add(new UriParam(etiology.getUrl()))))
        .isTrue();
  }

  @Test
  void strings_startWith_ignoringCaseAndAccents_orExactOrContains() {
    assertThat(
            matches(
                CodeSystem.SP_NAME,
                new StringOrListParam().add(new StringParam("cardiogenicshocketio"))))
        .isTrue();
    assertThat(matches(CodeSystem.SP_NAME, new StringOrListParam().add(new StringParam("shock"))))
        .isFalse();
    assertThat(
            matches(
                CodeSystem.SP_NAME,
                new StringOrListParam().add(new StringParam("shock").setContains(true))))
        .isTrue();
    assertThat(
            matches(
                CodeSystem.SP_NAME,
                new StringOrListParam().add(new StringParam("cardiogenicshock", true))))
        .isFalse();
  }

  @Test
  void modifiers_answer400WithTheTypesCode_orAreIgnoredWhereDeclaredSo() {
    TokenParam not = new TokenParam("cs-etiology").setModifier(TokenParamModifier.NOT);
    assertThat(matches("_id", new TokenOrListParam().add(not))).isTrue();
    assertThatThrownBy(() -> matches("strict", new TokenOrListParam().add(not)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("SR-X-2: token modifiers (:not) are not supported here");
    UriParam below = new UriParam(etiology.getUrl()).setQualifier(UriParamQualifierEnum.BELOW);
    assertThatThrownBy(() -> matches(CodeSystem.SP_URL, new UriOrListParam().add(below)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("SR-X-1: uri search modifiers (:below) are not supported here");
  }
}
