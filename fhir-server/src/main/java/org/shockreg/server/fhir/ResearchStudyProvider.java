package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.server.security.ShockRegPrincipal;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Studies as ResearchStudy, rendered from their definitions (data, {@code research_study}). A
 * handful of rows: searched in SQL, answered in one page.
 */
public class ResearchStudyProvider implements IResourceProvider {

  private final NamedParameterJdbcTemplate jdbc;

  public ResearchStudyProvider(NamedParameterJdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public Class<ResearchStudy> getResourceType() {
    return ResearchStudy.class;
  }

  /** A study the caller may not see (edc: not its own) is not found. */
  @Read
  public ResearchStudy read(@IdParam IdType id, RequestDetails request) {
    if (!ShockRegPrincipal.of(request).map(p -> p.seesStudy(id.getIdPart())).orElse(false)) {
      throw new ResourceNotFoundException(id);
    }
    List<ResearchStudy> found =
        jdbc.query(
            "SELECT study_id, definition::text AS definition, last_updated FROM research_study WHERE study_id = :id",
            new MapSqlParameterSource("id", id.getIdPart()),
            ROWS);
    if (found.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    return found.get(0);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Study id, e.g. altshock-2") @OptionalParam(name = "_id")
          TokenAndListParam id,
      @Description(shortDefinition = "Business identifier, e.g. https://clinicaltrials.gov|NCT04369573")
          @OptionalParam(name = ResearchStudy.SP_IDENTIFIER)
          TokenAndListParam identifier,
      @Description(shortDefinition = "When the study definition last changed")
          @OptionalParam(name = "_lastUpdated")
          DateAndListParam lastUpdated,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id", "_lastUpdated");
    SqlSearch s = new SqlSearch("ResearchStudy", "research_study", "study_id, definition, last_updated", ROWS);
    SearchClauses.ids(s, "study_id", id);
    SearchClauses.tokens(
        s,
        identifier,
        // definition->'identifiers' holds {system, value} objects
        (q, t) ->
            t.getSystem() == null || t.getSystem().isEmpty()
                ? "definition->'identifiers' @> jsonb_build_array(jsonb_build_object('value', "
                    + q.param(t.getValue()) + "::text))"
                : "definition->'identifiers' @> jsonb_build_array(jsonb_build_object('system', "
                    + q.param(t.getSystem()) + "::text, 'value', " + q.param(t.getValue()) + "::text))");
    SearchClauses.date(s, "last_updated", lastUpdated);
    ShockRegPrincipal.of(request)
        .flatMap(ShockRegPrincipal::studyRestriction)
        .ifPresent(own -> s.where("study_id = ANY(" + s.param(own.toArray(String[]::new)) + ")"));
    return new SimpleBundleProvider(List.<IBaseResource>copyOf(query(s)));
  }

  private List<ResearchStudy> query(SqlSearch s) {
    return jdbc.query(
        "SELECT study_id, definition::text AS definition, last_updated FROM research_study"
            + s.whereSql() + " ORDER BY study_id",
        s.params(),
        ROWS);
  }

  static final RowMapper<ResearchStudy> ROWS = ResearchStudyProvider::toResearchStudy;

  private static ResearchStudy toResearchStudy(ResultSet rs, int row) throws SQLException {
    StudyDefinition d = StudyCatalog.fromJson(rs.getString("definition"));
    ResearchStudy study = new ResearchStudy();
    study.setId(rs.getString("study_id"));
    study.getMeta().setLastUpdated(new Date(rs.getTimestamp("last_updated").getTime()));
    d.identifiers().forEach(i -> study.addIdentifier().setSystem(i.system()).setValue(i.value()));
    study.setTitle(d.title());
    study.setStatus(ResearchStudyStatus.fromCode(d.status()));
    study.setDescription(d.description());
    // who is screened for the study: the study's cohort (docs/cohorts.md, template {study}-screening)
    study.addEnrollment(new Reference("Group/" + study.getIdElement().getIdPart() + "-screening"));
    for (StudyDefinition.Arm arm : d.arms()) {
      study.addArm()
          .setName(arm.code())
          .setType(new CodeableConcept().setText(arm.name()))
          .setDescription(arm.description());
    }
    return study;
  }
}
