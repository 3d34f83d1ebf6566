package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;

import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.shockreg.server.security.ShockRegPrincipal;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A patient's participation in a study ({@code research_subject}) as a declaration: screening
 * status, arm and randomization time; searched by study, patient and status, with the patients and
 * the study included by id; an EDC client sees its own studies' subjects only.
 */
final class ResearchSubjectType {

  static final String COLUMNS =
      "subject_id, study_id, patient_id, status, assigned_arm, actual_arm, randomized_at, last_updated";
  static final String STATUS_SYSTEM = "http://hl7.org/fhir/research-subject-status";
  static final RowMapper<ResearchSubject> ROWS = ResearchSubjectType::toResearchSubject;

  private ResearchSubjectType() {}

  static CuratedTypeDeclaration<ResearchSubject> declaration(
      CuratedResourceMapper mapper, NamedParameterJdbcTemplate jdbc) {
    return CuratedTypeDeclaration.of(
            ResearchSubject.class, "research_subject", "subject_id", COLUMNS, ROWS)
        .guardedBy(
            request -> CuratedSearchGuard.checkSearch(request, "_id", "_lastUpdated", "_include"))
        .ids()
        .lastUpdated()
        .parameter(
            ResearchSubject.SP_STUDY, ReferenceAndListParam.class, ResearchSubjectType::studies)
        // edc: its own studies' subjects only, as if the others did not exist
        .restrictedBy(
            (s, request) ->
                ShockRegPrincipal.of(request)
                    .flatMap(ShockRegPrincipal::studyRestriction)
                    .ifPresent(
                        own ->
                            s.where("study_id = ANY(" + s.param(own.toArray(String[]::new)) + ")")))
        .patient(ResearchSubject.SP_INDIVIDUAL)
        .patient(ResearchSubject.SP_PATIENT)
        .token(
            ResearchSubject.SP_STATUS,
            (q, t) ->
                t.getSystem() == null
                        || t.getSystem().isEmpty()
                        || STATUS_SYSTEM.equals(t.getSystem())
                    ? "status = " + q.param(t.getValue())
                    : "false",
            null)
        .includes(
            args -> {
              Set<String> included = new LinkedHashSet<>(CuratedIncludes.values(args.include()));
              return included.isEmpty() ? null : page -> included(jdbc, mapper, page, included);
            })
        .visibleWhen(
            (subject, request) ->
                ShockRegPrincipal.of(request)
                    .map(p -> p.seesStudy(studyOf(subject)))
                    .orElse(false));
  }

  private static String studyOf(ResearchSubject subject) {
    return subject.getStudy().getReferenceElement().getIdPart();
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
          throw new InvalidRequestException(
              "SR-SEARCH-41: study must point to a ResearchStudy, not " + r.getResourceType());
        }
        ids.add(r.getIdPart());
      }
      s.where("study_id = ANY(" + s.param(ids.toArray(String[]::new)) + ")");
    }
  }

  /** The page's patients and studies, read by id. */
  private static List<IBaseResource> included(
      NamedParameterJdbcTemplate jdbc,
      CuratedResourceMapper mapper,
      List<IBaseResource> page,
      Set<String> include) {
    Set<String> patients = new LinkedHashSet<>();
    Set<String> studies = new LinkedHashSet<>();
    for (IBaseResource r : page) {
      ResearchSubject subject = (ResearchSubject) r;
      if (include.contains("ResearchSubject:individual")
          || include.contains("ResearchSubject:patient")) {
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
              ResearchStudyType.ROWS));
    }
    return out;
  }

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
      subject.setPeriod(
          new Period().setStartElement(new DateTimeType(new Date(randomized.getTime()))));
    }
    return subject;
  }
}
