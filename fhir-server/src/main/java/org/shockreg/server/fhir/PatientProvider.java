package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.server.fhir.SqlSearch.KeyType;

/** Curated patients: pseudonym, sex, birth year, death. */
public class PatientProvider implements IResourceProvider {

  static final SearchSorts SORTS =
      new SearchSorts()
          .key("_id", "patient_id", KeyType.TEXT, false)
          .key("_lastUpdated", "last_updated", KeyType.TIMESTAMP, false)
          .key("birthdate", "birth_year", KeyType.INTEGER, true)
          .key("death-date", "deceased_at", KeyType.TIMESTAMP, true)
          .key("gender", "sex", KeyType.TEXT, true);

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final CuratedIncludes includes;

  public PatientProvider(RegistryReader reader, CuratedResourceMapper mapper) {
    this.reader = reader;
    this.mapper = mapper;
    this.includes = new CuratedIncludes(reader, mapper);
  }

  @Override
  public Class<Patient> getResourceType() {
    return Patient.class;
  }

  /**
   * A merged patient's old id answers with the surviving Patient itself (its own id), carrying
   * {@code link} type {@code replaces} to the old id: a reader holding an old reference gets the
   * patient's whole current record in one read, and sees from the link why the id differs.
   */
  @Read
  public Patient read(@IdParam IdType id) {
    try {
      return reader.read("patient", "patient_id", PATIENT_COLUMNS, mapper.patient(), id);
    } catch (ResourceNotFoundException e) {
      String survivor = reader.survivor(id.getIdPart());
      if (survivor == null) {
        throw e;
      }
      Patient p = reader.read("patient", "patient_id", PATIENT_COLUMNS, mapper.patient(), new IdType("Patient", survivor));
      p.addLink().setType(Patient.LinkType.REPLACES).setOther(new Reference("Patient/" + id.getIdPart()));
      return p;
    }
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (pseudonym)") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(shortDefinition = "When the curated resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "male, female, other, unknown; :not, :missing")
          @OptionalParam(name = Patient.SP_GENDER)
          TokenAndListParam gender,
      @Description(shortDefinition = "Birth date; only the year is kept, so the value is taken at year precision")
          @OptionalParam(name = Patient.SP_BIRTHDATE)
          DateAndListParam birthdate,
      @Description(shortDefinition = "Date of death (every prefix, at the value's precision)")
          @OptionalParam(name = Patient.SP_DEATH_DATE)
          DateAndListParam deathDate,
      @Sort SortSpec sort,
      @IncludeParam(
              reverse = true,
              allow = {
                "Observation:subject", "Observation:patient", "Procedure:subject", "Procedure:patient",
                "Condition:subject", "Condition:patient", "Encounter:subject", "Encounter:patient"
              })
          Set<Include> revInclude,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.check(request);
    SqlSearch s = new SqlSearch("Patient", "patient", PATIENT_COLUMNS, mapper.patient());
    SearchClauses.patientIds(s, "patient_id", id);
    SearchClauses.tokens(s, gender, (q, t) -> SearchClauses.gender(q, t, "sex"), "sex IS NULL");
    SearchDates.year(s, "birth_year", birthdate);
    SearchClauses.date(s, "deceased_at", deathDate);
    SearchClauses.date(s, "last_updated", lastUpdated);
    SORTS.apply(s, sort, lastUpdated);
    s.includes(includes, CuratedIncludes.values(null), CuratedIncludes.values(revInclude));
    return reader.search(s, summary, total, request);
  }

  /**
   * The patient's curated record: the Patient, then its Observations (measurements and derived
   * facts), Procedures, Conditions and Encounters, paged like a search.
   */
  @Operation(name = "$everything", idempotent = true, bundleType = BundleTypeEnum.SEARCHSET)
  public IBundleProvider everything(@IdParam IdType id, RequestDetails request) {
    CuratedSearchGuard.check(request);
    Patient patient = read(id);
    String pid = patient.getIdElement().getIdPart();
    return reader.search(
        new EverythingQuery(
            List.of(
                forPatient(new SqlSearch("Patient", "patient", PATIENT_COLUMNS, mapper.patient()), pid),
                forPatient(
                    new SqlSearch("Observation", "curated_observation", OBSERVATION_COLUMNS, mapper.observation()),
                    pid),
                forPatient(new SqlSearch("Procedure", "device_therapy", PROCEDURE_COLUMNS, mapper.procedure()), pid),
                forPatient(new SqlSearch("Condition", "diagnosis", CONDITION_COLUMNS, mapper.condition()), pid),
                forPatient(new SqlSearch("Encounter", "encounter", ENCOUNTER_COLUMNS, mapper.encounter()), pid))),
        null,
        null,
        request);
  }

  private static SqlSearch forPatient(SqlSearch s, String patientId) {
    return s.where("patient_id = " + s.param(patientId));
  }
}
