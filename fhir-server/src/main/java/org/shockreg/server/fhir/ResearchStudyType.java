package org.shockreg.server.fhir;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.server.security.ShockRegPrincipal;
import org.springframework.jdbc.core.RowMapper;

/**
 * Studies as ResearchStudy, rendered from their definitions (data, {@code research_study}), as a
 * declaration: a handful of rows, searched in SQL and answered in one page; an EDC client sees its
 * own studies only.
 */
final class ResearchStudyType {

  static final String COLUMNS = "study_id, definition::text AS definition, last_updated";
  static final RowMapper<ResearchStudy> ROWS = ResearchStudyType::toResearchStudy;

  private ResearchStudyType() {}

  static CuratedTypeDeclaration<ResearchStudy> declaration() {
    return CuratedTypeDeclaration.of(
            ResearchStudy.class, "research_study", "study_id", COLUMNS, ROWS)
        .guardedBy(request -> CuratedSearchGuard.checkSearch(request, "_id", "_lastUpdated"))
        .ids()
        .token(
            ResearchStudy.SP_IDENTIFIER,
            // definition->'identifiers' holds {system, value} objects
            (q, t) ->
                t.getSystem() == null || t.getSystem().isEmpty()
                    ? "definition->'identifiers' @> jsonb_build_array(jsonb_build_object('value', "
                        + q.param(t.getValue())
                        + "::text))"
                    : "definition->'identifiers' @> jsonb_build_array(jsonb_build_object('system', "
                        + q.param(t.getSystem())
                        + "::text, 'value', "
                        + q.param(t.getValue())
                        + "::text))",
            null)
        .lastUpdated()
        .restrictedBy(
            (s, request) ->
                ShockRegPrincipal.of(request)
                    .flatMap(ShockRegPrincipal::studyRestriction)
                    .ifPresent(
                        own ->
                            s.where("study_id = ANY(" + s.param(own.toArray(String[]::new)) + ")")))
        .onePage("study_id")
        .visibleWhen(
            (study, request) ->
                ShockRegPrincipal.of(request)
                    .map(p -> p.seesStudy(study.getIdElement().getIdPart()))
                    .orElse(false));
  }

  private static ResearchStudy toResearchStudy(ResultSet rs, int row) throws SQLException {
    StudyDefinition d = StudyCatalog.fromJson(rs.getString("definition"));
    ResearchStudy study = new ResearchStudy();
    study.setId(rs.getString("study_id"));
    study.getMeta().setLastUpdated(new Date(rs.getTimestamp("last_updated").getTime()));
    d.identifiers().forEach(i -> study.addIdentifier().setSystem(i.system()).setValue(i.value()));
    study.setTitle(d.title());
    study.setStatus(ResearchStudyStatus.fromCode(d.status()));
    study.setDescription(d.description());
    // who is screened for the study: the study's cohort (docs/cohorts.md, template
    // {study}-screening)
    study.addEnrollment(new Reference("Group/" + study.getIdElement().getIdPart() + "-screening"));
    for (StudyDefinition.Arm arm : d.arms()) {
      study
          .addArm()
          .setName(arm.code())
          .setType(new CodeableConcept().setText(arm.name()))
          .setDescription(arm.description());
    }
    return study;
  }
}
