package org.shockreg.registry.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CohortDefinitionReaderTest {

  static final Set<String> DEVICES =
      Set.of("iabp", "impella", "va-ecmo", "tandemheart", "vad-unspecified");
  final CohortDefinitionReader reader = new CohortDefinitionReader(DEVICES);

  List<String> problems = new ArrayList<>();

  List<CohortDefinition> read(String yaml) {
    return reader.read("test.yaml", yaml.getBytes(StandardCharsets.UTF_8), problems);
  }

  @Test
  void readsEveryCriterion_singleValuesAsLists() {
    List<CohortDefinition> defs =
        read(
            """
            cohorts:
              - id: elderly-women-cde
                name: Elderly women, SCAI C-E
                description: test
                study: altshock-2
                criteria:
                  shock-episode: true
                  etiology: [hf-cs, ami-cs]
                  site: hospital-a
                  scai-stage-at-diagnosis: [C, D, E]
                  age-at-diagnosis: {min: 65, max: 90}
                  device: [iabp]
                  sex: female
            """);
    assertThat(problems).isEmpty();
    assertThat(defs).hasSize(1);
    CohortDefinition d = defs.get(0);
    assertThat(d.id()).isEqualTo("elderly-women-cde");
    assertThat(d.study()).isEqualTo("altshock-2");
    assertThat(d.source()).isEqualTo("test.yaml");
    CohortCriteria c = d.criteria();
    assertThat(c.shockEpisode()).isTrue();
    assertThat(c.etiology()).containsExactly("hf-cs", "ami-cs");
    assertThat(c.site()).containsExactly("hospital-a");
    assertThat(c.scaiAtDiagnosis()).containsExactly("C", "D", "E");
    assertThat(c.ageMin()).isEqualTo(65);
    assertThat(c.ageMax()).isEqualTo(90);
    assertThat(c.device()).containsExactly("iabp");
    assertThat(c.sex()).containsExactly("female");
    assertThat(c.hasEpisodeCriteria()).isTrue();
  }

  @Test
  void problems_nameTheFileAndTheKey() {
    List<CohortDefinition> defs =
        read(
            """
            cohorts:
              - id: bad
                name: Bad
                criteria:
                  etiology: [hf]
                  device: [iabpp]
                  age-at-diagnosis: {min: 80, max: 18}
                  colour: blue
              - name: No id
                criteria: {sex: [male]}
            """);
    assertThat(defs).isEmpty();
    assertThat(problems)
        .containsExactlyInAnyOrder(
            "test.yaml: cohorts[0] (bad).criteria.colour: unknown key (allowed here: age-at-diagnosis,"
                + " device, etiology, research-subject, scai-stage-at-diagnosis, sex, shock-episode, site)",
            "test.yaml: cohorts[0] (bad).criteria.etiology[0]: unknown value 'hf' (allowed: ami-cs, hf-cs, other)",
            "test.yaml: cohorts[0] (bad).criteria.device[0]: unknown value 'iabpp' (allowed: iabp, impella,"
                + " tandemheart, va-ecmo, vad-unspecified)",
            "test.yaml: cohorts[0] (bad).criteria.age-at-diagnosis: min (80) is greater than max (18)",
            "test.yaml: cohorts[1].id: is required");
  }

  @Test
  void aFileWithoutCohorts_orBrokenYaml_isReported() {
    read("cohort:\n  - id: x\n");
    assertThat(problems)
        .contains("test.yaml: cohort: unknown key (allowed here: cohorts)")
        .contains("test.yaml: cohorts: expected a list of cohort definitions");
    problems.clear();
    read("cohorts: [ {id: x, name: y, criteria: {sex: male}\n");
    assertThat(problems).singleElement().asString().startsWith("test.yaml: not valid YAML");
    problems.clear();
    read("cohorts:\n  - id: x\n    name: y\n    criteria: {}\n");
    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith(
            "test.yaml: cohorts[0] (x).criteria: expected a mapping with at least one criterion");
  }

  @Test
  void duplicateKeysAndIds_areRejected() {
    read("cohorts:\n  - id: x\n    id: y\n    name: n\n    criteria: {sex: male}\n");
    assertThat(problems).singleElement().asString().contains("Duplicate field 'id'");
    problems.clear();
    read(
        "cohorts:\n  - {id: x, name: n, criteria: {sex: male}}\n  - {id: x, name: m, criteria: {sex: female}}\n");
    assertThat(problems)
        .containsExactly("test.yaml: cohorts[1].id: cohort id 'x' is defined twice in this file");
  }

  @Test
  void ids_mustBeFhirIds() {
    read("cohorts:\n  - {id: Has Space, name: n, criteria: {sex: male}}\n");
    assertThat(problems)
        .singleElement()
        .asString()
        .startsWith("test.yaml: cohorts[0] (Has Space).id: 'Has Space' is not a valid cohort id");
  }

  @Test
  void perSiteTemplates_needThePlaceholderOnce_andNoSiteCriterion() {
    List<CohortDefinition> ok =
        read(
            "cohorts:\n  - {id: 'site-{site}-hf', for-each: site, name: 'HF-CS at {site}', criteria: {etiology: hf-cs}}\n");
    assertThat(problems).isEmpty();
    CohortDefinition t = ok.get(0);
    assertThat(t.forEach()).isEqualTo(CohortDefinition.ForEach.SITE);
    assertThat(t.valueOf("site-hospital-a-hf")).isEqualTo("hospital-a");
    assertThat(t.valueOf("site--hf")).isNull();
    assertThat(t.valueOf("hf-cs")).isNull();
    CohortDefinition a = t.instance("hospital-a");
    assertThat(a.id()).isEqualTo("site-hospital-a-hf");
    assertThat(a.name()).isEqualTo("HF-CS at hospital-a");
    assertThat(a.criteria().site()).containsExactly("hospital-a");
    assertThat(a.criteria().etiology()).containsExactly("hf-cs");

    read("cohorts:\n  - {id: by-site, for-each: site, name: n, criteria: {site: [a]}}\n");
    assertThat(problems)
        .containsExactlyInAnyOrder(
            "test.yaml: cohorts[0] (by-site).id: a for-each: site template's id must contain {site} exactly once",
            "test.yaml: cohorts[0] (by-site).criteria.site: a for-each: site template gets its site from for-each; remove this key");
    problems.clear();
    read("cohorts:\n  - {id: 'x-{site}', name: n, criteria: {sex: male}}\n");
    assertThat(problems)
        .containsExactly(
            "test.yaml: cohorts[0] (x-{site}).id: {site} is only allowed with for-each: site");
  }

  @Test
  void researchSubjectCriterion_andStudyTemplates() {
    List<CohortDefinition> defs =
        read(
            """
            cohorts:
              - id: candidates
                name: Potential candidates of ALTSHOCK-2
                criteria:
                  research-subject: {study: altshock-2, status: [potential-candidate, on-study]}
              - id: '{study}-randomized'
                for-each: study
                name: Randomized in {study}
                criteria:
                  research-subject: {status: on-study}
            """);
    assertThat(problems).isEmpty();
    assertThat(defs.get(0).criteria().researchSubject())
        .isEqualTo(
            new CohortCriteria.ResearchSubject(
                "altshock-2", List.of("potential-candidate", "on-study")));
    CohortDefinition randomized = defs.get(1).instance("altshock-2");
    assertThat(randomized.id()).isEqualTo("altshock-2-randomized");
    assertThat(randomized.study()).isEqualTo("altshock-2");
    assertThat(randomized.criteria().researchSubject())
        .isEqualTo(new CohortCriteria.ResearchSubject("altshock-2", List.of("on-study")));

    read(
        """
        cohorts:
          - id: '{study}-x'
            for-each: study
            name: n
            study: altshock-2
            criteria:
              research-subject: {study: altshock-2, status: [randomised]}
        """);
    assertThat(problems)
        .containsExactlyInAnyOrder(
            "test.yaml: cohorts[0] ({study}-x).study: a for-each: study template gets its study from for-each; remove this key",
            "test.yaml: cohorts[0] ({study}-x).criteria.research-subject.study: a for-each: study template gets its study"
                + " from for-each; remove this key",
            "test.yaml: cohorts[0] ({study}-x).criteria.research-subject.status[0]: unknown value 'randomised' (allowed:"
                + " candidate, eligible, follow-up, ineligible, not-registered, off-study, on-study, on-study-intervention,"
                + " on-study-observation, pending-on-study, potential-candidate, screening, withdrawn)");
    problems.clear();
    read("cohorts:\n  - {id: 'a-{site}', for-each: study, name: n, criteria: {sex: male}}\n");
    assertThat(problems)
        .containsExactlyInAnyOrder(
            "test.yaml: cohorts[0] (a-{site}).id: a for-each: study template's id must contain {study} exactly once",
            "test.yaml: cohorts[0] (a-{site}).id: {site} is only allowed with for-each: site");
  }

  @Test
  void noEpisodeContradiction() {
    read("cohorts:\n  - {id: x, name: n, criteria: {shock-episode: false, etiology: hf-cs}}\n");
    assertThat(problems)
        .containsExactly(
            "test.yaml: cohorts[0] (x).criteria.shock-episode: false contradicts the episode criteria of this cohort");
  }

  @Test
  void builtIns_loadAndResolve(@TempDir Path dir) throws Exception {
    CohortCatalog builtIn = CohortCatalog.load(reader, dir.resolve("missing"));
    assertThat(builtIn.cohorts())
        .extracting(CohortDefinition::id)
        .containsExactly("all-cs", "hf-cs", "ami-cs", "iabp", "impella", "va-ecmo");
    assertThat(builtIn.templates())
        .extracting(CohortDefinition::id)
        .containsExactly("site-{site}", "{study}-screening");
    java.util.function.BiPredicate<CohortDefinition.ForEach, String> known =
        (kind, v) ->
            kind == CohortDefinition.ForEach.SITE ? v.equals("hospital-a") : v.equals("altshock-2");
    assertThat(builtIn.resolve("site-hospital-a", known))
        .hasValueSatisfying(d -> assertThat(d.criteria().site()).containsExactly("hospital-a"));
    assertThat(builtIn.resolve("site-nowhere", known)).isEmpty();
    assertThat(builtIn.resolve("hf-cs", (k, v) -> false)).isPresent();
    CohortDefinition screening = builtIn.resolve("altshock-2-screening", known).orElseThrow();
    assertThat(screening.study()).isEqualTo("altshock-2");
    assertThat(screening.name()).isEqualTo("Screened for study altshock-2");
    assertThat(screening.criteria().researchSubject())
        .isEqualTo(new CohortCriteria.ResearchSubject("altshock-2", List.of()));
    assertThat(builtIn.resolve("other-study-screening", known)).isEmpty();

    Files.writeString(
        dir.resolve("women.yaml"),
        "cohorts:\n  - {id: women, name: Women, criteria: {sex: female}}\n");
    Files.writeString(dir.resolve("notes.txt"), "not a cohort file");
    CohortCatalog local = CohortCatalog.load(reader, dir);
    assertThat(local.cohorts()).extracting(CohortDefinition::id).endsWith("women");
    assertThat(local.resolve("women", (k, v) -> false).orElseThrow().source())
        .endsWith("women.yaml");
  }

  @Test
  void localFiles_problemsAndClashesWithBuiltIns_failTheLoad(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"), "cohorts:\n  - {id: hf-cs, name: Mine, criteria: {sex: female}}\n");
    Files.writeString(
        dir.resolve("b.yml"),
        "cohorts:\n  - {id: b, name: B, criteria: {scai-stage-at-diagnosis: F}}\n");
    assertThatThrownBy(() -> CohortCatalog.load(reader, dir))
        .isInstanceOfSatisfying(
            CohortDefinitionException.class,
            e ->
                assertThat(e.problems())
                    .containsExactlyInAnyOrder(
                        dir.resolve("b.yml")
                            + ": cohorts[0] (b).criteria.scai-stage-at-diagnosis: unknown value 'F'"
                            + " (allowed: A, B, C, D, E)",
                        dir.resolve("a.yaml")
                            + ": cohorts (hf-cs).id: already defined in "
                            + CohortCatalog.BUILT_IN));
  }
}
