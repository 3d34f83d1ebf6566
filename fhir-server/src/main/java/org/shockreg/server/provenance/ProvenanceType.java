package org.shockreg.server.provenance;

import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Provenance;
import org.shockreg.server.fhir.CuratedSearchGuard;
import org.shockreg.server.fhir.CuratedTypeDeclaration;
import org.shockreg.server.fhir.SearchArguments;
import org.shockreg.server.fhir.SqlSearch;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Provenance of curated facts as a declaration. Nothing is stored for it: a read or search picks
 * the curated tables of the kinds of fact it can match ({@link ProvenanceSql}), so the query is
 * built per search rather than over one table.
 */
final class ProvenanceType {

  private ProvenanceType() {}

  static CuratedTypeDeclaration<Provenance> declaration(NamedParameterJdbcTemplate jdbc) {
    ProvenanceMapper mapper = new ProvenanceMapper();
    return CuratedTypeDeclaration.of(
            Provenance.class,
            ProvenanceSql.table(EnumSet.allOf(CuratedFactKind.class)),
            "fact_id",
            ProvenanceSql.COLUMNS,
            mapper)
        .guardedBy(request -> CuratedSearchGuard.checkSearch(request, "_id"))
        .query(Set.of("_id", Provenance.SP_TARGET), args -> search(args, mapper))
        .readBy(
            (id, byId) -> {
              CuratedFactKind.FactRef ref =
                  CuratedFactKind.parse(id.getIdPart())
                      .orElseThrow(() -> new ResourceNotFoundException(id));
              List<Provenance> rows =
                  jdbc.query(
                      "SELECT "
                          + ProvenanceSql.COLUMNS
                          + " FROM "
                          + ProvenanceSql.table(EnumSet.of(ref.kind()))
                          + " WHERE fact_id = :id",
                      new MapSqlParameterSource("id", ref.factId()),
                      mapper);
              if (rows.isEmpty()) {
                throw new ResourceNotFoundException(id);
              }
              return rows.get(0);
            });
  }

  private static SqlSearch search(SearchArguments args, ProvenanceMapper mapper) {
    TokenOrListParam id = (TokenOrListParam) args.value("_id");
    ReferenceOrListParam target = (ReferenceOrListParam) args.value(Provenance.SP_TARGET);
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
    return s;
  }

  /** A search condition and the kinds of fact it can match at all. */
  private record Filter(
      Set<CuratedFactKind> kinds, java.util.function.Function<SqlSearch, String> clause) {}

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
        throw new InvalidRequestException(
            "SR-PROV-3: target needs a reference such as Observation/<id>");
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
                "(kind = '"
                    + k.prefix
                    + "' AND fact_id = ANY("
                    + s.param(ids.toArray(String[]::new))
                    + "))"));
    if (!untyped.isEmpty()) {
      alternatives.add("fact_id = ANY(" + s.param(untyped.toArray(String[]::new)) + ")");
    }
    return alternatives.isEmpty() ? "false" : "(" + String.join(" OR ", alternatives) + ")";
  }
}
