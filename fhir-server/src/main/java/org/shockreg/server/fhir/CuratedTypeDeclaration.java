package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.springframework.jdbc.core.RowMapper;

/**
 * A curated resource type as data: its table or view, columns and row mapper, and what it can be
 * searched, sorted and included by. {@link CuratedResourceProvider} serves any declaration, so a
 * new curated type is a declaration plus the search signature HAPI reads its parameters from.
 */
public final class CuratedTypeDeclaration<T extends IBaseResource> {

  /** Turns one search parameter's parsed value (null when absent) into SQL clauses. */
  @FunctionalInterface
  public interface Clause<P> {
    void apply(SqlSearch s, P value);
  }

  /** How a read finds a resource; {@code byId} reads the type's row of that id (404 if none). */
  @FunctionalInterface
  public interface ReadRule<T> {
    T read(IdType id, Function<IdType, T> byId);
  }

  /** Orders a search: {@code _sort}, or a default. */
  @FunctionalInterface
  public interface SortRule {
    void apply(SqlSearch s, SearchArguments args);
  }

  /** Resources added to each page ({@code _include}, {@code _revinclude}); null: none. */
  @FunctionalInterface
  public interface IncludeRule {
    Function<List<IBaseResource>, List<IBaseResource>> of(SearchArguments args);
  }

  private final Class<T> type;
  private final String resourceType;
  private final String table;
  private final String idColumn;
  private final String columns;
  private final RowMapper<T> rows;

  /** The steps that build the WHERE clause, in declaration order. */
  private final List<BiConsumer<SqlSearch, SearchArguments>> steps = new ArrayList<>();

  private final Set<String> parameters = new LinkedHashSet<>();
  private final SearchSorts sorts = new SearchSorts();
  private final Set<String> sortKeys = new LinkedHashSet<>();
  private List<String> sortWhenFilteredBy = List.of("_lastUpdated");
  private SortRule sortRule;
  private Consumer<RequestDetails> guard = CuratedSearchGuard::check;
  private IncludeRule includes = args -> null;
  private ReadRule<T> readRule = (id, byId) -> byId.apply(id);
  private BiPredicate<T, RequestDetails> visible = (r, request) -> true;
  private Function<SearchArguments, SqlSearch> query;
  private String onePageOrder;
  private RowMapper<T> searchRows;

  private CuratedTypeDeclaration(
      Class<T> type, String table, String idColumn, String columns, RowMapper<T> rows) {
    this.type = type;
    this.resourceType = type.getSimpleName();
    this.table = table;
    this.idColumn = idColumn;
    this.columns = columns;
    this.rows = rows;
    this.searchRows = rows;
  }

  /** The type {@code type}, one row per resource in {@code table}, its id in {@code idColumn}. */
  public static <T extends IBaseResource> CuratedTypeDeclaration<T> of(
      Class<T> type, String table, String idColumn, String columns, RowMapper<T> rows) {
    return new CuratedTypeDeclaration<>(type, table, idColumn, columns, rows);
  }

  // ---- search parameters (applied in the order declared) ----

  /** A search parameter of HAPI type {@code valueType}, turned into SQL by {@code clause}. */
  public <P> CuratedTypeDeclaration<T> parameter(
      String name, Class<P> valueType, Clause<P> clause) {
    parameters.add(name);
    steps.add((s, args) -> clause.apply(s, valueType.cast(args.value(name))));
    return this;
  }

  /** {@code _id} against the id column. */
  public CuratedTypeDeclaration<T> ids() {
    return parameter("_id", TokenAndListParam.class, (s, v) -> SearchClauses.ids(s, idColumn, v));
  }

  /** {@code _lastUpdated} against {@code last_updated}. */
  public CuratedTypeDeclaration<T> lastUpdated() {
    return date("_lastUpdated", "last_updated");
  }

  /** A date parameter on a point-in-time column (every prefix, at the value's precision). */
  public CuratedTypeDeclaration<T> date(String name, String column) {
    return parameter(name, DateAndListParam.class, (s, v) -> SearchClauses.date(s, column, v));
  }

  /**
   * A reference to the curated patient ({@code Patient/x}, {@code x}, chains) on {@code
   * patient_id}.
   */
  public CuratedTypeDeclaration<T> patient(String name) {
    return parameter(
        name, ReferenceAndListParam.class, (s, v) -> SearchClauses.patient(s, "patient_id", v));
  }

  /**
   * A token parameter; {@code missing} is the SQL for "absent" (null: {@code :missing} answers
   * 400).
   */
  public CuratedTypeDeclaration<T> token(
      String name, BiFunction<SqlSearch, TokenParam, String> clause, String missing) {
    return parameter(
        name, TokenAndListParam.class, (s, v) -> SearchClauses.tokens(s, v, clause, missing));
  }

  /** A clause of the caller (e.g. an EDC client's own studies), applied in declaration order. */
  public CuratedTypeDeclaration<T> restrictedBy(BiConsumer<SqlSearch, RequestDetails> restriction) {
    steps.add((s, args) -> restriction.accept(s, args.request()));
    return this;
  }

  /**
   * Builds the whole query itself (its table depends on the parameters); no declared steps apply.
   */
  public CuratedTypeDeclaration<T> query(
      Set<String> parameterNames, Function<SearchArguments, SqlSearch> build) {
    parameters.addAll(parameterNames);
    this.query = build;
    return this;
  }

  // ---- sorting, includes, reads, answers ----

  /** A {@code _sort} key over {@code expression}; {@code nullable} if the column can be NULL. */
  public CuratedTypeDeclaration<T> sort(
      String parameter, String expression, KeyType keyType, boolean nullable) {
    sorts.key(parameter, expression, keyType, nullable);
    sortKeys.add(parameter);
    return this;
  }

  /**
   * Without {@code _sort}: the order of the first of these parameters the search is filtered by.
   */
  public CuratedTypeDeclaration<T> sortWhenFilteredBy(String... parameters) {
    this.sortWhenFilteredBy = List.of(parameters);
    return this;
  }

  /** Orders searches by {@code rule} instead of the declared sort keys. */
  public CuratedTypeDeclaration<T> sortedBy(SortRule rule) {
    this.sortRule = rule;
    return this;
  }

  /** Checks a search's result parameters first (default: the curated types' strict check). */
  public CuratedTypeDeclaration<T> guardedBy(Consumer<RequestDetails> guard) {
    this.guard = guard;
    return this;
  }

  /**
   * The curated {@code _include} and {@code _revinclude}s (the allowed ones are the signature's).
   */
  CuratedTypeDeclaration<T> curatedIncludes(CuratedIncludes curated) {
    return includes(
        args ->
            curated.of(
                CuratedIncludes.values(args.include()), CuratedIncludes.values(args.revInclude())));
  }

  public CuratedTypeDeclaration<T> includes(IncludeRule includes) {
    this.includes = includes;
    return this;
  }

  public CuratedTypeDeclaration<T> readBy(ReadRule<T> rule) {
    this.readRule = rule;
    return this;
  }

  /** Who may see a resource; one the caller may not see is not found, like no resource. */
  public CuratedTypeDeclaration<T> visibleWhen(BiPredicate<T, RequestDetails> visible) {
    this.visible = visible;
    return this;
  }

  /** A handful of rows: answered in one page ordered by {@code orderBy}, not paged by keyset. */
  public CuratedTypeDeclaration<T> onePage(String orderBy) {
    this.onePageOrder = orderBy;
    return this;
  }

  // ---- read by the provider ----

  Class<T> type() {
    return type;
  }

  String resourceType() {
    return resourceType;
  }

  String table() {
    return table;
  }

  String idColumn() {
    return idColumn;
  }

  String columns() {
    return columns;
  }

  RowMapper<T> rows() {
    return rows;
  }

  Set<String> parameters() {
    return parameters;
  }

  Consumer<RequestDetails> guard() {
    return guard;
  }

  ReadRule<T> readRule() {
    return readRule;
  }

  BiPredicate<T, RequestDetails> visible() {
    return visible;
  }

  String onePageOrder() {
    return onePageOrder;
  }

  /**
   * Search pages also render each row as JSON text with {@code row} (from the type's {@code
   * *_COLUMNS}, the columns this declaration selects), see {@link RenderedJson}.
   */
  CuratedTypeDeclaration<T> renderedBy(RenderedJson json, RenderedJson.RowJson row) {
    this.searchRows = json.rows(rows, row);
    return this;
  }

  /** A new search over the type's rows, with no conditions yet. */
  SqlSearch newSearch() {
    return new SqlSearch(resourceType, table, columns, searchRows);
  }

  /** The search {@code args} ask for: conditions, order and includes. */
  SqlSearch search(SearchArguments args) {
    SqlSearch s;
    if (query != null) {
      s = query.apply(args);
    } else {
      s = newSearch();
      steps.forEach(step -> step.accept(s, args));
    }
    if (sortRule != null) {
      sortRule.apply(s, args);
    } else {
      String byFilter =
          sortWhenFilteredBy.stream()
              .filter(p -> sortKeys.contains(p) && args.value(p) != null)
              .findFirst()
              .orElse(null);
      sorts.apply(s, args.sort(), byFilter);
    }
    Function<List<IBaseResource>, List<IBaseResource>> include = includes.of(args);
    if (include != null) {
      s.includes(include);
    }
    return s;
  }
}
