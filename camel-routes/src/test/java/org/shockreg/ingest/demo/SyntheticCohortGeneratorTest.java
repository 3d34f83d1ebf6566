package org.shockreg.ingest.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.Period;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticCohortGeneratorTest {

  private static final String LOINC = "http://loinc.org";
  private static final String SNOMED = "http://snomed.info/sct";
  private static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
  private static final String ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10";
  private static final String CPT = "http://www.ama-assn.org/go/cpt";
  private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

  private static final Set<String> IABP = Set.of("442807006", "33967", "5A02210");
  private static final Set<String> IMPELLA = Set.of("5A0221D", "33990");
  private static final Set<String> VA_ECMO = Set.of("5A1522G", "233573008");

  private static List<Emitted> cohort;
  private static Map<String, PatientFacts> facts;

  private record Emitted(String siteId, Resource resource) {}

  /** What the tests need to know about one patient, read back from the emitted FHIR. */
  private static final class PatientFacts {
    LocalDate birthDate;
    boolean male;
    boolean dead;
    OffsetDateTime shockAt;
    boolean ami;
    boolean heartFailure;
    final Set<String> devices = new HashSet<>();
    final List<Double> lvef = new ArrayList<>();
    final List<Double> lactate = new ArrayList<>();
    Double firstSbp;
    OffsetDateTime firstSbpAt;
  }

  @BeforeAll
  static void generateCohortOf200() {
    cohort = generate(42, 200);
    facts = readBack(cohort);
  }

  @Test
  void sameSeed_givesIdenticalResources() {
    assertThat(json(generate(7, 60))).isEqualTo(json(generate(7, 60)));
  }

  @Test
  void differentSeed_givesDifferentCohort() {
    assertThat(json(generate(7, 30))).isNotEqualTo(json(generate(8, 30)));
  }

  @Test
  void smallerCohort_isPrefixOfLargerCohort() {
    List<String> small = json(generate(42, 20));
    assertThat(json(generate(42, 40)).subList(0, small.size())).isEqualTo(small);
  }

  @Test
  void countFor_matchesNumberOfEmittedResources() {
    SyntheticCohortGenerator generator = new SyntheticCohortGenerator(42);

    assertThat(generator.countFor(200)).isEqualTo(cohort.size());
    assertThat(generator.countFor(0)).isZero();
    // 30-60 resources per patient, like a real EHR pull for a CICU stay.
    assertThat(cohort.size()).isBetween(200 * 30, 200 * 60);
  }

  @Test
  void negativePatientCount_isRejected() {
    assertThatThrownBy(() -> new SyntheticCohortGenerator(1).generate(-1, (site, r) -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyResource_hasValidIdUniqueWithinItsSite() {
    Set<String> seen = new HashSet<>();
    for (Emitted e : cohort) {
      String id = e.resource().getIdElement().getIdPart();
      assertThat(id).matches(FHIR_ID);
      assertThat(seen.add(e.siteId() + "|" + e.resource().fhirType() + "/" + id))
          .as("duplicate %s/%s at %s", e.resource().fhirType(), id, e.siteId())
          .isTrue();
    }
  }

  @Test
  void patients_areDealtToTheThreeDemoSites() {
    Map<String, Integer> perSite = new HashMap<>();
    cohort.stream()
        .filter(e -> e.resource() instanceof Patient)
        .forEach(e -> perSite.merge(e.siteId(), 1, Integer::sum));

    assertThat(perSite).containsOnlyKeys(SyntheticCohortGenerator.DEMO_SITES);
    assertThat(perSite.values()).allSatisfy(n -> assertThat(n).isBetween(66, 67));
  }

  @Test
  void patientComesFirst_andEveryReferenceResolvesWithinItsSite() {
    Set<String> emitted = new HashSet<>();
    for (Emitted e : cohort) {
      Resource r = e.resource();
      List<String> references = new ArrayList<>();
      if (r instanceof Encounter enc) {
        references.add(enc.getSubject().getReference());
        if (enc.hasPartOf()) {
          references.add(enc.getPartOf().getReference());
        }
      } else if (r instanceof Condition c) {
        references.add(c.getSubject().getReference());
        if (c.hasEncounter()) {
          references.add(c.getEncounter().getReference());
        }
      } else if (r instanceof Observation o) {
        references.add(o.getSubject().getReference());
        references.add(o.getEncounter().getReference());
      } else if (r instanceof Procedure p) {
        references.add(p.getSubject().getReference());
        references.add(p.getEncounter().getReference());
      }
      for (String reference : references) {
        assertThat(emitted)
            .as("%s/%s refers to %s", r.fhirType(), r.getId(), reference)
            .contains(e.siteId() + "|" + reference);
      }
      emitted.add(e.siteId() + "|" + r.fhirType() + "/" + r.getIdElement().getIdPart());
    }
  }

  @Test
  void everyResource_carriesLastUpdatedAndStatus() {
    int observations = 0;
    int preliminary = 0;
    for (Emitted e : cohort) {
      Resource r = e.resource();
      assertThat(r.getMeta().getLastUpdatedElement().getValueAsString()).endsWith("Z");
      if (r instanceof Observation o) {
        observations++;
        assertThat(o.getStatus())
            .isIn(Observation.ObservationStatus.FINAL, Observation.ObservationStatus.PRELIMINARY);
        assertThat(o.getCategoryFirstRep().getCodingFirstRep().getCode())
            .isIn("vital-signs", "laboratory", "exam");
        if (o.getStatus() == Observation.ObservationStatus.PRELIMINARY) {
          preliminary++;
        }
      } else if (r instanceof Procedure p) {
        assertThat(p.getStatus()).isEqualTo(Procedure.ProcedureStatus.COMPLETED);
      } else if (r instanceof Condition c) {
        assertThat(c.getClinicalStatus().getCodingFirstRep().getCode()).isEqualTo("active");
        assertThat(c.getVerificationStatus().getCodingFirstRep().getCode()).isEqualTo("confirmed");
      } else if (r instanceof Encounter enc) {
        assertThat(enc.getPeriod().hasStart()).isTrue();
      }
    }
    assertThat(preliminary).isPositive().isLessThan(observations / 20);
  }

  @Test
  void cohortOf200_hasAltshockLikeDemographicsEtiologyAndOutcome() {
    Collection<PatientFacts> patients = facts.values();
    int n = patients.size();
    List<Double> ages = new ArrayList<>();
    patients.forEach(
        p -> ages.add((double) Period.between(p.birthDate, p.shockAt.toLocalDate()).getYears()));

    assertThat(n).isEqualTo(200);
    assertThat(median(ages)).isBetween(52.0, 68.0);
    assertThat(ages).allSatisfy(age -> assertThat(age).isBetween(18.0, 90.0));
    assertThat(share(patients, p -> p.male)).isBetween(0.60, 0.80);
    assertThat(share(patients, p -> !p.ami && p.heartFailure)).isBetween(0.20, 0.40);
    assertThat(share(patients, p -> p.ami)).isBetween(0.45, 0.65);
    assertThat(share(patients, p -> p.dead)).isBetween(0.25, 0.45);
  }

  @Test
  void cohortOf200_usesTmcsInMostPatients_withIabpTheMostUsedDevice() {
    Collection<PatientFacts> patients = facts.values();
    double iabp = share(patients, p -> p.devices.contains("iabp"));
    double impella = share(patients, p -> p.devices.contains("impella"));
    double ecmo = share(patients, p -> p.devices.contains("va-ecmo"));

    assertThat(share(patients, p -> !p.devices.isEmpty())).isBetween(0.45, 0.75);
    assertThat(iabp).isBetween(0.30, 0.50).isGreaterThan(impella).isGreaterThan(ecmo);
    assertThat(share(patients, p -> p.devices.size() >= 2)).isBetween(0.03, 0.20);
  }

  @Test
  void hfCs_hasLowerLvefAndLactateThanAmiCs() {
    List<Double> hfLvef = new ArrayList<>();
    List<Double> amiLvef = new ArrayList<>();
    List<Double> hfLactate = new ArrayList<>();
    List<Double> amiLactate = new ArrayList<>();
    List<Double> firstSbp = new ArrayList<>();
    for (PatientFacts p : facts.values()) {
      if (p.ami) {
        amiLvef.addAll(p.lvef);
        amiLactate.add(p.lactate.get(0));
      } else if (p.heartFailure) {
        hfLvef.addAll(p.lvef);
        hfLactate.add(p.lactate.get(0));
      }
      firstSbp.add(p.firstSbp);
    }

    assertThat(median(hfLvef)).isBetween(15.0, 25.0);
    assertThat(median(amiLvef)).isBetween(25.0, 35.0);
    assertThat(median(hfLactate)).isBetween(1.2, 2.4);
    assertThat(median(amiLactate)).isBetween(3.0, 5.0);
    assertThat(median(firstSbp)).isBetween(78.0, 92.0);
  }

  @Test
  void measurements_fallInTheFirst48HoursAndNeverAfterDeath() {
    Map<String, Patient> patients = new HashMap<>();
    for (Emitted e : cohort) {
      if (e.resource() instanceof Patient p) {
        patients.put("Patient/" + p.getIdElement().getIdPart(), p);
      } else if (e.resource() instanceof Observation o) {
        String subject = o.getSubject().getReference();
        OffsetDateTime at = OffsetDateTime.parse(o.getEffectiveDateTimeType().getValueAsString());
        OffsetDateTime shock = facts.get(subject).shockAt;
        assertThat(at).isAfterOrEqualTo(shock.minusHours(2)).isBeforeOrEqualTo(shock.plusHours(48));
        Patient patient = patients.get(subject);
        if (patient.hasDeceasedDateTimeType()) {
          assertThat(at)
              .isBefore(OffsetDateTime.parse(patient.getDeceasedDateTimeType().getValueAsString()));
        }
      }
    }
  }

  @Test
  void sites_sendTheirOwnCodesUnitsAndShapes() {
    Map<String, Set<String>> seen = new HashMap<>();
    for (Emitted e : cohort) {
      Set<String> site = seen.computeIfAbsent(e.siteId(), k -> new HashSet<>());
      Resource r = e.resource();
      if (r instanceof Condition c) {
        c.getCode().getCoding().forEach(coding -> site.add(key(coding)));
      } else if (r instanceof Procedure p) {
        p.getCode().getCoding().forEach(coding -> site.add(key(coding)));
      } else if (r instanceof Encounter enc) {
        enc.getType().forEach(t -> site.add("type " + t.getCodingFirstRep().getCode()));
      } else if (r instanceof Observation o) {
        String code = o.getCode().getCodingFirstRep().getCode();
        if (o.hasValueQuantity()) {
          Quantity q = o.getValueQuantity();
          site.add(code + " " + q.getUnit() + " " + q.getCode());
        } else if (o.hasValueRange() || o.hasValueStringType()) {
          site.add(code + " " + o.getValue().fhirType());
        }
        String offset = o.getEffectiveDateTimeType().getValueAsString().substring(19);
        site.add("offset " + offset);
      }
    }
    Set<String> milano = seen.get("demo-milano");
    Set<String> paris = seen.get("demo-paris");
    Set<String> boston = seen.get("demo-boston");

    assertThat(milano)
        .contains(SNOMED + "|89138009", SNOMED + "|442807006", "type CCU", "offset +01:00")
        .contains("2524-7 mmol/L mmol/L", "2524-7 mmol/l mmol/l", "2160-0 mg/dL mg/dL");
    assertThat(paris)
        .contains(SNOMED + "|89138009", ICD10PCS + "|5A02210", "type ICU", "offset +02:00")
        .contains("8480-6 mmHg mm[Hg]", "8462-4 mmHg mm[Hg]", "14682-9 µmol/L umol/L");
    assertThat(boston)
        .contains(ICD10CM + "|R57.0", CPT + "|33967", CPT + "|33968", "offset -05:00")
        .contains("14118-4 mg/dL mg/dL", "8867-4 beats/min /min");
    assertThat(boston).noneMatch(s -> s.startsWith(SNOMED + "|89138009"));
    assertThat(paris).noneMatch(s -> s.startsWith("85354-9"));
    Set<String> all = new HashSet<>(milano);
    all.addAll(paris);
    all.addAll(boston);
    assertThat(all)
        .contains("10230-1 Range", "10230-1 string", "18043-0 % %")
        .contains(SNOMED + "|44054006", SNOMED + "|232967006");
  }

  // --- reading the cohort back ---------------------------------------------------------------

  private static List<Emitted> generate(long seed, int patients) {
    List<Emitted> out = new ArrayList<>();
    new SyntheticCohortGenerator(seed)
        .generate(patients, (siteId, resource) -> out.add(new Emitted(siteId, resource)));
    return out;
  }

  private static List<String> json(List<Emitted> emitted) {
    IParser parser = FhirContext.forR4Cached().newJsonParser();
    List<String> out = new ArrayList<>(emitted.size());
    for (Emitted e : emitted) {
      out.add(e.siteId() + " " + parser.encodeResourceToString(e.resource()));
    }
    return out;
  }

  private static Map<String, PatientFacts> readBack(List<Emitted> emitted) {
    Map<String, PatientFacts> byPatient = new HashMap<>();
    for (Emitted e : emitted) {
      Resource r = e.resource();
      if (r instanceof Patient p) {
        PatientFacts f = new PatientFacts();
        f.birthDate = LocalDate.parse(p.getBirthDateElement().getValueAsString());
        f.male = p.getGender().toCode().equals("male");
        f.dead = p.hasDeceasedDateTimeType();
        byPatient.put("Patient/" + p.getIdElement().getIdPart(), f);
      } else if (r instanceof Condition c) {
        PatientFacts f = byPatient.get(c.getSubject().getReference());
        for (Coding coding : c.getCode().getCoding()) {
          String code = coding.getCode();
          if (code.equals("89138009") || code.equals("R57.0")) {
            f.shockAt = OffsetDateTime.parse(c.getOnsetDateTimeType().getValueAsString());
          } else if (code.startsWith("I21.")
              || code.equals("401303003")
              || code.equals("401314000")) {
            f.ami = true;
          } else if (code.startsWith("I50.") || code.equals("84114007")) {
            f.heartFailure = true;
          }
        }
      } else if (r instanceof Procedure p) {
        PatientFacts f = byPatient.get(p.getSubject().getReference());
        String code = p.getCode().getCodingFirstRep().getCode();
        if (IABP.contains(code)) {
          f.devices.add("iabp");
        } else if (IMPELLA.contains(code)) {
          f.devices.add("impella");
        } else if (VA_ECMO.contains(code)) {
          f.devices.add("va-ecmo");
        }
      } else if (r instanceof Observation o) {
        readMeasurement(byPatient.get(o.getSubject().getReference()), o);
      }
    }
    return byPatient;
  }

  private static void readMeasurement(PatientFacts f, Observation o) {
    Coding coding = o.getCode().getCodingFirstRep();
    if (!LOINC.equals(coding.getSystem())) {
      return;
    }
    OffsetDateTime at = OffsetDateTime.parse(o.getEffectiveDateTimeType().getValueAsString());
    switch (coding.getCode()) {
      case "10230-1", "18043-0" -> {
        if (o.hasValueQuantity()) {
          f.lvef.add(o.getValueQuantity().getValue().doubleValue());
        }
      }
      case "2524-7", "32693-4" -> f.lactate.add(o.getValueQuantity().getValue().doubleValue());
      case "14118-4" -> f.lactate.add(o.getValueQuantity().getValue().doubleValue() / 9.008);
      case "85354-9" -> firstSbp(f, at, o.getComponentFirstRep().getValueQuantity());
      case "8480-6" -> firstSbp(f, at, o.getValueQuantity());
      default -> {}
    }
  }

  private static void firstSbp(PatientFacts f, OffsetDateTime at, Quantity sbp) {
    if (f.firstSbpAt == null || at.isBefore(f.firstSbpAt)) {
      f.firstSbpAt = at;
      f.firstSbp = sbp.getValue().doubleValue();
    }
  }

  private static String key(Coding coding) {
    return coding.getSystem() + "|" + coding.getCode();
  }

  private static double share(
      Collection<PatientFacts> patients, java.util.function.Predicate<PatientFacts> test) {
    return patients.stream().filter(test).count() / (double) patients.size();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
