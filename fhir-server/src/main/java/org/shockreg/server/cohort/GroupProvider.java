package org.shockreg.server.cohort;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.shockreg.registry.cohort.CohortDefinition;
import org.shockreg.registry.cohort.CohortEngine;
import org.shockreg.server.fhir.CuratedSearchGuard;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.SqlSearch;
import org.springframework.jdbc.core.RowMapper;

/**
 * Cohorts as FHIR Groups (docs/cohorts.md). Membership is computed from the curated tables when a
 * Group is read, so it is always current. A search pages by keyset over the cohort list (the
 * defined cohorts in file order, then each template's cohorts: per site in registration order, per
 * study by id), so next links hold while sites are added.
 */
public class GroupProvider implements IResourceProvider {

  /**
   * Keyset row ids: defined cohorts 1..n; template i's cohorts from (i + 1) * TEMPLATE_BLOCK + 1.
   */
  static final long TEMPLATE_BLOCK = 1_000_000L;

  private final CohortEngine engine;
  private final CohortResources resources;
  private final RegistryReader reader;

  public GroupProvider(CohortEngine engine, CohortResources resources, RegistryReader reader) {
    this.engine = engine;
    this.resources = resources;
    this.reader = reader;
  }

  @Override
  public Class<Group> getResourceType() {
    return Group.class;
  }

  @Read
  public Group read(@IdParam IdType id) {
    return reader.analystRead(
        () -> {
          CohortDefinition cohort = find(id);
          return resources.group(cohort, engine.members(cohort));
        });
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id (= the cohort code), e.g. hf-cs")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(
              shortDefinition =
                  "Cohort code in https://fhir.shockreg.org/CodeSystem/cohort, e.g. hf-cs")
          @OptionalParam(name = Group.SP_CODE)
          TokenAndListParam code,
      @Description(
              shortDefinition =
                  "A Group is computed when read: its lastUpdated is the time of reading, so it matches"
                      + " ranges that hold now")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id", "_lastUpdated");
    boolean updatedInRange = lastUpdated == null || lastUpdated.isEmpty() || holdsNow(lastUpdated);
    SqlSearch s = new SqlSearch("Group", cohortTable(), "cohort_id", mapper());
    tableParams(s);
    if (!updatedInRange) {
      s.where("FALSE");
    }
    if (id != null && !id.getValuesAsQueryTokens().isEmpty()) {
      String[] ids =
          id.getValuesAsQueryTokens().stream().map(TokenParam::getValue).toArray(String[]::new);
      s.where("cohort_id = ANY(" + s.param(ids) + ")");
    }
    if (code != null) {
      for (TokenOrListParam or : code.getValuesAsQueryTokens()) {
        List<String> codes = new ArrayList<>();
        boolean any = false;
        for (TokenParam t : or.getValuesAsQueryTokens()) {
          if (t.getModifier() != null) {
            throw new InvalidRequestException(
                "SR-COHORT-1: token modifier :"
                    + t.getModifier().getValue()
                    + " is not supported on Group code");
          }
          any = true;
          // A code in another system (or explicitly in none) is no cohort code: it matches nothing.
          if (t.getSystem() == null || CohortResources.COHORT.equals(t.getSystem())) {
            codes.add(t.getValue());
          }
        }
        if (any) {
          s.where("cohort_id = ANY(" + s.param(codes.toArray(String[]::new)) + ")");
        }
      }
    }
    return reader.search(s, summary, total, request);
  }

  /**
   * Whether the range holds the present: every Group is computed when read, so its lastUpdated is
   * now (an incremental client re-reads Groups and never misses a change of membership).
   */
  static boolean holdsNow(DateRangeParam range) {
    Date now = new Date();
    Date lower = range.getLowerBoundAsInstant();
    Date upper = range.getUpperBoundAsInstant();
    if (lower != null) {
      boolean strict = range.getLowerBound().getPrefix() == ParamPrefixEnum.GREATERTHAN;
      if (strict ? !now.after(lower) : now.before(lower)) {
        return false;
      }
    }
    if (upper != null) {
      boolean strict = range.getUpperBound().getPrefix() == ParamPrefixEnum.LESSTHAN;
      return strict ? now.before(upper) : !now.after(upper);
    }
    return true;
  }

  /** "Table 1" of the cohort as it is now. */
  @Operation(name = "$cohort-summary", idempotent = true)
  public Parameters cohortSummary(@IdParam IdType id) {
    return reader.analystRead(
        () -> {
          CohortDefinition cohort = find(id);
          return resources.summary(cohort, engine.summary(cohort));
        });
  }

  private CohortDefinition find(IdType id) {
    return engine
        .find(id.getIdPart())
        .orElseThrow(
            () ->
                new ResourceNotFoundException(
                    "SR-COHORT-2: Group/" + id.getIdPart() + " is not a defined cohort"));
  }

  private RowMapper<Group> mapper() {
    return (rs, i) -> {
      String cohortId = rs.getString("cohort_id");
      // A cohort listed a moment ago is found again, unless its site was removed in between.
      CohortDefinition cohort =
          engine
              .find(cohortId)
              .orElseThrow(() -> new ResourceNotFoundException(new IdType("Group", cohortId)));
      return resources.group(cohort, engine.members(cohort));
    };
  }

  /**
   * The cohort list as a table (row_id, cohort_id); its values are bound by {@link #tableParams}.
   */
  private String cohortTable() {
    StringBuilder sql =
        new StringBuilder(
            "(SELECT c.ord AS row_id, c.id AS cohort_id"
                + " FROM unnest(CAST(:cohort_ids AS text[])) WITH ORDINALITY AS c(id, ord)");
    List<CohortDefinition> templates = engine.catalog().templates();
    for (int i = 0; i < templates.size(); i++) {
      // Sites in registration order, studies by id: a new site or study is listed after the others.
      String rows =
          templates.get(i).forEach() == CohortDefinition.ForEach.SITE
              ? "site.site_id AS v, row_number() OVER (ORDER BY site.created_at, site.site_id) AS n FROM site"
              : "study.study_id AS v, row_number() OVER (ORDER BY study.study_id) AS n FROM research_study study";
      sql.append(" UNION ALL SELECT CAST(:template_base_")
          .append(i)
          .append(" AS bigint) + t.n,")
          .append(" CAST(:template_prefix_")
          .append(i)
          .append(" AS text) || t.v")
          .append(" || CAST(:template_suffix_")
          .append(i)
          .append(" AS text) FROM (SELECT ")
          .append(rows)
          .append(") AS t");
    }
    return sql.append(") AS cohort_group").toString();
  }

  private void tableParams(SqlSearch s) {
    s.params()
        .addValue(
            "cohort_ids",
            engine.catalog().cohorts().stream().map(CohortDefinition::id).toArray(String[]::new));
    List<CohortDefinition> templates = engine.catalog().templates();
    for (int i = 0; i < templates.size(); i++) {
      CohortDefinition t = templates.get(i);
      s.params().addValue("template_base_" + i, (i + 1) * TEMPLATE_BLOCK);
      s.params().addValue("template_prefix_" + i, t.idPrefix());
      s.params().addValue("template_suffix_" + i, t.idSuffix());
    }
  }
}
