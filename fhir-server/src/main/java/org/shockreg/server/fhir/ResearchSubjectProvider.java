package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.IncludeParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.shockreg.server.security.ShockRegPrincipal;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A patient's participation in a study ({@code research_subject}): screening status, arm and
 * randomization time, as ResearchSubject. The trial EDC reads {@code ResearchSubject?study=...}
 * with {@code _include} of the patients and the study.
 */
public class ResearchSubjectProvider implements IResourceProvider {

  static final String COLUMNS =
      "subject_id, study_id, patient_id, status, assigned_arm, actual_arm, randomized_at, last_updated";
  static final String STATUS_SYSTEM = "http://hl7.org/fhir/research-subject-status";

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final NamedParameterJdbcTemplate jdbc;

  public ResearchSubjectProvider(RegistryReader reader, CuratedResourceMapper mapper, NamedParameterJdbcTemplate jdbc) {
    this.reader = reader;
    this.mapper = mapper;
    this.jdbc = jdbc;
  }

  @Override
  public Class<ResearchSubject> getResourceType() {
    return ResearchSubject.class;
  }

  /** A subject of a study the caller may not see (edc: not its own) is not found, like no subject. */
  @Read
  public ResearchSubject read(@IdParam IdType id, RequestDetails request) {
    ResearchSubject subject = reader.read("research_subject", "subject_id", COLUMNS, ROWS, id);
    if (!ShockRegPrincipal.of(request).map(p -> p.seesStudy(studyOf(subject))).orElse(false)) {
      throw new ResourceNotFoundException(id);
    }
    return subject;
  }

  /** The subject as it is now, for a notification (no caller: the subscription was authorized). */
  public Optional<ResearchSubject> current(String id) {
    try {
      return Optional.of(
          reader.read("research_subject", "subject_id", COLUMNS, ROWS, new IdType("ResearchSubject", id)));
    } catch (ResourceNotFoundException e) {
      return Optional.empty();
    }
  }

  private static String studyOf(ResearchSubject subject) {
    return subject.getStudy().getReferenceElement().getIdPart();
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id") @OptionalParam(name = "_id") TokenAndListParam id,
      @Description(shortDefinition = "When the subject's status, arm or randomization last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      @Description(shortDefinition = "The study: ResearchStudy/altshock-2 or altshock-2")
          @OptionalParam(name = ResearchSubject.SP_STUDY, targetTypes = {org.hl7.fhir.r4.model.ResearchStudy.class})
          ReferenceAndListParam study,
      @Description(shortDefinition = "The curated patient (Patient/x, x, or chained: individual.gender, ...)")
          @OptionalParam(name = ResearchSubject.SP_INDIVIDUAL, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam individual,
      @Description(shortDefinition = "The curated patient (same as individual)")
          @OptionalParam(name = ResearchSubject.SP_PATIENT, targetTypes = {org.hl7.fhir.r4.model.Patient.class})
          ReferenceAndListParam patient,
      @Description(shortDefinition = "screening, potential-candidate, ineligible, on-study, ...; :not")
          @OptionalParam(name = ResearchSubject.SP_STATUS)
          TokenAndListParam status,
      @IncludeParam(
              allow = {"ResearchSubject:individual", "ResearchSubject:patient", "ResearchSubject:study"})
          Set<Include> include,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id", "_lastUpdated", "_include");
    SqlSearch s = new SqlSearch("ResearchSubject", "research_subject", COLUMNS, ROWS);
    SearchClauses.ids(s, "subject_id", id);
    SearchClauses.date(s, "last_updated", lastUpdated);
    studies(s, study);
    // edc: its own studies' subjects only, as if the others did not exist
    ShockRegPrincipal.of(request)
        .flatMap(ShockRegPrincipal::studyRestriction)
        .ifPresent(own -> s.where("study_id = ANY(" + s.param(own.toArray(String[]::new)) + ")"));
    SearchClauses.patient(s, "patient_id", individual);
    SearchClauses.patient(s, "patient_id", patient);
    SearchClauses.tokens(
        s,
        status,
        (q, t) ->
            t.getSystem() == null || t.getSystem().isEmpty() || STATUS_SYSTEM.equals(t.getSystem())
                ? "status = " + q.param(t.getValue())
                : "false");
    Set<String> included = new LinkedHashSet<>(CuratedIncludes.values(include));
    if (!included.isEmpty()) {
      s.includes(page -> included(page, included));
    }
    return reader.search(s, summary, total, request);
  }

  /** {@code study}: {@code ResearchStudy/x} or {@code x}; comma OR, repetition AND. */
  private static void studies(SqlSearch s, ReferenceAndListParam and) {
    if (and == null) {
      return;
    }
    for (ReferenceOrListParam or : and.getValuesAsQueryTokens()) {
      List<String> ids = new ArrayList<>();
      for (ReferenceParam r : or.getValuesAsQueryTokens()) {
        if (r.hasChain() || r.getMissing() != null) {
          throw new InvalidRequestException("SR-SEARCH-40: study takes ResearchStudy/<id> or <id>");
        }
        if (r.getResourceType() != null && !"ResearchStudy".equals(r.getResourceType())) {
          throw new InvalidRequestException("SR-SEARCH-41: study must point to a ResearchStudy, not " + r.getResourceType());
        }
        ids.add(r.getIdPart());
      }
      s.where("study_id = ANY(" + s.param(ids.toArray(String[]::new)) + ")");
    }
  }

  /** The page's patients and studies, read by id. */
  private List<IBaseResource> included(List<IBaseResource> page, Set<String> include) {
    Set<String> patients = new LinkedHashSet<>();
    Set<String> studies = new LinkedHashSet<>();
    for (IBaseResource r : page) {
      ResearchSubject subject = (ResearchSubject) r;
      if (include.contains("ResearchSubject:individual") || include.contains("ResearchSubject:patient")) {
        patients.add(subject.getIndividual().getReferenceElement().getIdPart());
      }
      if (include.contains("ResearchSubject:study")) {
        studies.add(subject.getStudy().getReferenceElement().getIdPart());
      }
    }
    List<IBaseResource> out = new ArrayList<>();
    if (!patients.isEmpty()) {
      out.addAll(
          jdbc.query(
              "SELECT " + PATIENT_COLUMNS + " FROM patient WHERE patient_id = ANY(:ids)",
              new MapSqlParameterSource("ids", patients.toArray(String[]::new)),
              mapper.patient()));
    }
    if (!studies.isEmpty()) {
      out.addAll(
          jdbc.query(
              "SELECT study_id, definition::text AS definition, last_updated FROM research_study"
                  + " WHERE study_id = ANY(:ids)",
              new MapSqlParameterSource("ids", studies.toArray(String[]::new)),
              ResearchStudyProvider.ROWS));
    }
    return out;
  }

  static final RowMapper<ResearchSubject> ROWS = ResearchSubjectProvider::toResearchSubject;

  private static ResearchSubject toResearchSubject(ResultSet rs, int row) throws SQLException {
    ResearchSubject subject = new ResearchSubject();
    subject.setId(rs.getString("subject_id"));
    subject.getMeta().setLastUpdated(new Date(rs.getTimestamp("last_updated").getTime()));
    subject.setStatus(ResearchSubjectStatus.fromCode(rs.getString("status")));
    subject.setStudy(new Reference("ResearchStudy/" + rs.getString("study_id")));
    subject.setIndividual(new Reference("Patient/" + rs.getString("patient_id")));
    String arm = rs.getString("assigned_arm");
    if (arm != null) {
      subject.setAssignedArm(arm);
    }
    String actual = rs.getString("actual_arm");
    if (actual != null) {
      subject.setActualArm(actual);
    }
    Timestamp randomized = rs.getTimestamp("randomized_at");
    if (randomized != null) {
      subject.setPeriod(new Period().setStartElement(new DateTimeType(new Date(randomized.getTime()))));
    }
    return subject;
  }
}
