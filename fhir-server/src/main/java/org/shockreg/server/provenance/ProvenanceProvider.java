package org.shockreg.server.provenance;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.shockreg.server.fhir.CuratedSearchGuard;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Provenance;
import org.shockreg.server.fhir.RegistryReader;
import org.shockreg.server.fhir.SqlSearch;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Provenance of curated facts (admin only: {@code FhirAccessRules}, on the parsed request). One Provenance per curated Observation, Procedure, Condition,
 * Encounter and Patient, id {@code obs-|proc-|cond-|enc-|pat-<curated id>}, linking the fact to
 * the source resource (and version) it was curated from. Nothing is stored for it: it is read from
 * the curated row's source columns and its raw-store row.
 */
@Component
public class ProvenanceProvider implements IResourceProvider {

  private final NamedParameterJdbcTemplate jdbc;
  private final RegistryReader reader;
  private final ProvenanceMapper mapper = new ProvenanceMapper();

  public ProvenanceProvider(NamedParameterJdbcTemplate jdbc, RegistryReader reader) {
    this.jdbc = jdbc;
    this.reader = reader;
  }

  @Override
  public Class<Provenance> getResourceType() {
    return Provenance.class;
  }

  @Read
  public Provenance read(@IdParam IdType id) {
    CuratedFactKind.FactRef ref =
        CuratedFactKind.parse(id.getIdPart()).orElseThrow(() -> new ResourceNotFoundException(id));
    List<Provenance> rows =
        jdbc.query(
            "SELECT " + ProvenanceSql.COLUMNS + " FROM " + ProvenanceSql.table(EnumSet.of(ref.kind()))
                + " WHERE fact_id = :id",
            new MapSqlParameterSource("id", ref.factId()),
            mapper);
    if (rows.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    return rows.get(0);
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id: obs-, proc-, cond-, enc- or pat- and the curated id")
          @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "The curated fact, e.g. Observation/<id>; comma = OR")
          @OptionalParam(
              name = Provenance.SP_TARGET,
              targetTypes = {
                Observation.class, Procedure.class, Condition.class, Encounter.class, Patient.class
              })
          ReferenceOrListParam target,
      SummaryEnum summary,
      SearchTotalModeEnum total,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id");
    Set<CuratedFactKind> kinds = EnumSet.allOf(CuratedFactKind.class);
    List<Filter> filters = new ArrayList<>();
    if (id != null && !id.getValuesAsQueryTokens().isEmpty()) {
      Filter f = idFilter(id);
      kinds.retainAll(f.kinds());
      filters.add(f);
    }
    if (target != null && !target.getValuesAsQueryTokens().isEmpty()) {
      Filter f = targetFilter(target);
      kinds.retainAll(f.kinds());
      filters.add(f);
    }
    boolean nothing = kinds.isEmpty();
    SqlSearch s =
        new SqlSearch(
            "Provenance",
            ProvenanceSql.table(nothing ? EnumSet.of(CuratedFactKind.OBSERVATION) : kinds),
            ProvenanceSql.COLUMNS,
            mapper);
    if (nothing) {
      s.where("false");
    }
    for (Filter f : filters) {
      s.where(f.clause().apply(s));
    }
    return reader.search(s, summary, total, request);
  }

  /** A search condition and the kinds of fact it can match at all. */
  private record Filter(Set<CuratedFactKind> kinds, java.util.function.Function<SqlSearch, String> clause) {}

  private static Filter idFilter(TokenOrListParam ids) {
    Map<CuratedFactKind, List<String>> byKind = new EnumMap<>(CuratedFactKind.class);
    for (TokenParam t : ids.getValuesAsQueryTokens()) {
      if (t.getModifier() != null) {
        throw new InvalidRequestException(
            "SR-PROV-1: _id modifier :" + t.getModifier().getValue() + " is not supported");
      }
      CuratedFactKind.parse(t.getValue())
          .ifPresent(r -> byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r.factId()));
    }
    return new Filter(EnumSet.copyOf(kindsOr(byKind)), s -> anyOf(s, byKind, List.of()));
  }

  private static Filter targetFilter(ReferenceOrListParam refs) {
    Map<CuratedFactKind, List<String>> byKind = new EnumMap<>(CuratedFactKind.class);
    List<String> untyped = new ArrayList<>();
    for (ReferenceParam r : refs.getValuesAsQueryTokens()) {
      if (r.getChain() != null) {
        throw new InvalidRequestException("SR-PROV-2: chained target references are not supported");
      }
      String idPart = r.getIdPart();
      if (idPart == null || idPart.isBlank()) {
        throw new InvalidRequestException("SR-PROV-3: target needs a reference such as Observation/<id>");
      }
      String type = r.getResourceType();
      if (type == null || type.isEmpty()) {
        untyped.add(idPart);
        continue;
      }
      // a type without curated facts (e.g. Group) matches nothing
      Optional<CuratedFactKind> kind = CuratedFactKind.ofResourceType(type);
      kind.ifPresent(k -> byKind.computeIfAbsent(k, x -> new ArrayList<>()).add(idPart));
    }
    Set<CuratedFactKind> kinds =
        untyped.isEmpty() ? EnumSet.copyOf(kindsOr(byKind)) : EnumSet.allOf(CuratedFactKind.class);
    return new Filter(kinds, s -> anyOf(s, byKind, untyped));
  }

  private static Set<CuratedFactKind> kindsOr(Map<CuratedFactKind, List<String>> byKind) {
    return byKind.isEmpty() ? EnumSet.noneOf(CuratedFactKind.class) : byKind.keySet();
  }

  /** (kind = 'obs' AND fact_id = ANY(:p)) OR ... OR fact_id = ANY(:untyped); values are bound. */
  private static String anyOf(
      SqlSearch s, Map<CuratedFactKind, List<String>> byKind, List<String> untyped) {
    List<String> alternatives = new ArrayList<>();
    byKind.forEach(
        (k, ids) ->
            alternatives.add(
                "(kind = '" + k.prefix + "' AND fact_id = ANY(" + s.param(ids.toArray(String[]::new)) + "))"));
    if (!untyped.isEmpty()) {
      alternatives.add("fact_id = ANY(" + s.param(untyped.toArray(String[]::new)) + ")");
    }
    return alternatives.isEmpty() ? "false" : "(" + String.join(" OR ", alternatives) + ")";
  }
}
