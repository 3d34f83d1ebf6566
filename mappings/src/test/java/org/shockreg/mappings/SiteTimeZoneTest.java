package org.shockreg.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shockreg.mappings.identity.Pseudonymizer;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.RuleSetLoader;
import org.shockreg.mappings.rules.SiteRulesException;
import org.shockreg.mappings.rules.SiteRulesLoader;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.SourceRef;

/** Times sent without an offset are local to the site (its mapping file's time-zone), else UTC. */
class SiteTimeZoneTest {

  static final ZoneId ROME = ZoneId.of("Europe/Rome");

  @TempDir Path dir;

  @Test
  void offsetLessTimes_andDates_areReadInTheZone_offsetsStayAuthoritative() {
    FhirTimes rome = FhirTimes.in(ROME);
    assertThat(rome.instant(new DateTimeType("2025-06-02T08:30:00")))
        .isEqualTo(Instant.parse("2025-06-02T06:30:00Z"));
    assertThat(rome.instant(new DateTimeType("2025-01-15T08:30:00")))
        .isEqualTo(Instant.parse("2025-01-15T07:30:00Z"));
    assertThat(rome.instant(new DateTimeType("2025-06-02T08:30:00Z")))
        .isEqualTo(Instant.parse("2025-06-02T08:30:00Z"));
    assertThat(rome.instant(new DateTimeType("2025-06-02T08:30:00-05:00")))
        .isEqualTo(Instant.parse("2025-06-02T13:30:00Z"));
    assertThat(rome.instant(new DateType("2025-06-02")))
        .isEqualTo(Instant.parse("2025-06-01T22:00:00Z"));
    assertThat(FhirTimes.toInstant(new DateTimeType("2025-06-02T08:30:00")))
        .isEqualTo(Instant.parse("2025-06-02T08:30:00Z"));
  }

  @Test
  void aSiteFileTimeZone_placesItsOffsetLessMeasurements() throws Exception {
    Files.writeString(dir.resolve("milano.yaml"), "time-zone: Europe/Rome\n");
    RuleSet rules = new SiteRulesLoader(new RuleSetLoader().loadBuiltIn()).load(dir);
    assertThat(rules.timeZone("milano")).isEqualTo(ROME);
    assertThat(rules.timeZone("elsewhere")).isEqualTo(java.time.ZoneOffset.UTC);
    MappingEngine engine = new MappingEngine(rules, new Pseudonymizer(new byte[32]));
    Observation o = new Observation();
    o.setId("hr-1");
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
    o.setSubject(new Reference("Patient/p1"));
    o.setEffective(new DateTimeType("2025-06-02T08:30:00"));
    o.setValue(
        new Quantity()
            .setValue(90)
            .setUnit("/min")
            .setSystem("http://unitsofmeasure.org")
            .setCode("/min"));
    MappingOutcome out =
        engine.map(
            o,
            new SourceRef("milano", "Observation", "hr-1", null, 1L),
            SourcePatientResolver.plain());
    assertThat(((MeasurementFact) out.facts().get(0)).effectiveAt())
        .isEqualTo(Instant.parse("2025-06-02T06:30:00Z"));
  }

  @Test
  void anUnknownTimeZone_isAnErrorOfTheSiteFile() throws Exception {
    Files.writeString(dir.resolve("site-x.yaml"), "time-zone: Mars/Olympus\n");
    SiteRulesException e =
        catchThrowableOfType(
            SiteRulesException.class,
            () -> new SiteRulesLoader(new RuleSetLoader().loadBuiltIn()).load(dir));
    assertThat(e).hasMessageContaining("time-zone").hasMessageContaining("Mars/Olympus");
  }
}
