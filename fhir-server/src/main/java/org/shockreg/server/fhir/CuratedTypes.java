package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/**
 * The curated clinical types as declarations: Patient, Observation ({@link ObservationType}),
 * Procedure, Condition and Encounter, each over its table or view, with its search parameters,
 * sorts and includes. One place to read (or add) what a curated type can be searched by.
 */
public final class CuratedTypes {

  private final CuratedTypeDeclaration<Patient> patient;
  private final CuratedTypeDeclaration<Observation> observation;
  private final CuratedTypeDeclaration<Procedure> procedure;
  private final CuratedTypeDeclaration<Condition> condition;
  private final CuratedTypeDeclaration<Encounter> encounter;

  /**
   * {@code renderedJson}: search pages also render their rows as JSON text for {@link
   * RenderedSearchBundles} ({@code shockreg.fhir.rendered-search-json}).
   */
  public CuratedTypes(
      RegistryReader reader, CuratedResourceMapper mapper, RuleSet rules, boolean renderedJson) {
    RenderedJson json = renderedJson ? new RenderedJson(mapper) : null;
    CuratedIncludes includes = new CuratedIncludes(reader, mapper, json);
    this.patient = patient(reader, mapper, includes);
    this.observation = ObservationType.declaration(mapper, rules, includes);
    this.procedure = procedure(mapper, includes);
    this.condition = condition(mapper, includes);
    this.encounter = encounter(mapper, includes);
    if (json != null) {
      patient.renderedBy(json, CuratedJsonWriter::patient);
      observation.renderedBy(json, CuratedJsonWriter::observation);
      procedure.renderedBy(json, CuratedJsonWriter::procedure);
      condition.renderedBy(json, CuratedJsonWriter::condition);
      encounter.renderedBy(json, CuratedJsonWriter::encounter);
    }
  }

  /**
   * Pseudonym, sex, birth year, death. A merged patient's old id answers with the surviving Patient
   * itself (its own id), carrying {@code link} type {@code replaces} to the old id: a reader
   * holding an old reference gets the patient's whole current record in one read, and sees from the
   * link why the id differs.
   */
  private static CuratedTypeDeclaration<Patient> patient(
      RegistryReader reader, CuratedResourceMapper mapper, CuratedIncludes includes) {
    return CuratedTypeDeclaration.of(
            Patient.class, "patient", "patient_id", PATIENT_COLUMNS, mapper.patient())
        .parameter(
            "_id", TokenAndListParam.class, (s, v) -> SearchClauses.patientIds(s, "patient_id", v))
        .token(Patient.SP_GENDER, (q, t) -> SearchClauses.gender(q, t, "sex"), "sex IS NULL")
        .parameter(
            Patient.SP_BIRTHDATE,
            DateAndListParam.class,
            (s, v) -> SearchDates.year(s, "birth_year", v))
        .date(Patient.SP_DEATH_DATE, "deceased_at")
        .lastUpdated()
        .sort("_id", "patient_id", KeyType.TEXT, false)
        .sort("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
        .sort("birthdate", "birth_year", KeyType.INTEGER, true)
        .sort("death-date", "deceased_at", KeyType.TIMESTAMP, true)
        .sort("gender", "sex", KeyType.TEXT, true)
        // without _sort, a death-date search is read in date-of-death order (an index range)
        .sortWhenFilteredBy("_lastUpdated", "death-date")
        .curatedIncludes(includes)
        .readBy(
            (id, byId) -> {
              try {
                return byId.apply(id);
              } catch (ResourceNotFoundException e) {
                String survivor = reader.survivor(id.getIdPart());
                if (survivor == null) {
                  throw e;
                }
                Patient p = byId.apply(new IdType("Patient", survivor));
                p.addLink()
                    .setType(Patient.LinkType.REPLACES)
                    .setOther(new Reference("Patient/" + id.getIdPart()));
                return p;
              }
            });
  }

  /** Device therapies (tMCS, heart replacement therapy). */
  private static CuratedTypeDeclaration<Procedure> procedure(
      CuratedResourceMapper mapper, CuratedIncludes includes) {
    return CuratedTypeDeclaration.of(
            Procedure.class,
            "device_therapy",
            "procedure_id",
            PROCEDURE_COLUMNS,
            mapper.procedure())
        .ids()
        .patient(Procedure.SP_SUBJECT)
        .patient(Procedure.SP_PATIENT)
        .token(
            Procedure.SP_CODE,
            (q, t) ->
                SearchClauses.registryOrSourceCode(q, t, RegistryCodeSystems.TMCS_DEVICE, "device"),
            "false")
        .date(Procedure.SP_DATE, "COALESCE(started_at, performed_at)")
        .lastUpdated()
        .sort("date", "COALESCE(started_at, performed_at)", KeyType.TIMESTAMP, true)
        .sort("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
        .sort("_id", "procedure_id", KeyType.TEXT, false)
        .sort("code", "device", KeyType.TEXT, false)
        .curatedIncludes(includes);
  }

  /** Diagnoses, coded with their registry category first. */
  private static CuratedTypeDeclaration<Condition> condition(
      CuratedResourceMapper mapper, CuratedIncludes includes) {
    return CuratedTypeDeclaration.of(
            Condition.class, "diagnosis", "condition_id", CONDITION_COLUMNS, mapper.condition())
        .ids()
        .patient(Condition.SP_SUBJECT)
        .patient(Condition.SP_PATIENT)
        .token(
            Condition.SP_CODE,
            (q, t) ->
                SearchClauses.registryOrSourceCode(
                    q, t, RegistryCodeSystems.DIAGNOSIS_CATEGORY, "category"),
            "false")
        .date(Condition.SP_ONSET_DATE, "onset_at")
        .lastUpdated()
        .sort("onset-date", "onset_at", KeyType.TIMESTAMP, true)
        .sort("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
        .sort("_id", "condition_id", KeyType.TEXT, false)
        .sort("code", "category", KeyType.TEXT, false)
        .curatedIncludes(includes);
  }

  /** Inpatient and intensive-care stays; {@code date} compares their period as a range. */
  private static CuratedTypeDeclaration<Encounter> encounter(
      CuratedResourceMapper mapper, CuratedIncludes includes) {
    return CuratedTypeDeclaration.of(
            Encounter.class, "encounter", "encounter_id", ENCOUNTER_COLUMNS, mapper.encounter())
        .ids()
        .patient(Encounter.SP_SUBJECT)
        .patient(Encounter.SP_PATIENT)
        .parameter(
            Encounter.SP_DATE,
            DateAndListParam.class,
            (s, v) -> SearchDates.period(s, "period_start", "period_end", v))
        .lastUpdated()
        .sort("date", "period_start", KeyType.TIMESTAMP, true)
        .sort("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
        .sort("_id", "encounter_id", KeyType.TEXT, false)
        .curatedIncludes(includes);
  }

  public CuratedTypeDeclaration<Patient> patient() {
    return patient;
  }

  public CuratedTypeDeclaration<Observation> observation() {
    return observation;
  }

  public CuratedTypeDeclaration<Procedure> procedure() {
    return procedure;
  }

  public CuratedTypeDeclaration<Condition> condition() {
    return condition;
  }

  public CuratedTypeDeclaration<Encounter> encounter() {
    return encounter;
  }

  /** A patient's compartment for {@code $everything}: the Patient, then each type's rows of it. */
  List<CuratedTypeDeclaration<?>> patientCompartment() {
    return List.of(patient, observation, procedure, condition, encounter);
  }
}
