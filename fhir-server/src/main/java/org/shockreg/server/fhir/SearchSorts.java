package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.shockreg.server.fhir.SqlSearch.KeyType;
import org.shockreg.server.fhir.SqlSearch.SortKey;

/**
 * {@code _sort}: the parameters of a resource type that have a natural column, each becoming a
 * keyset sort key ({@code -} descending, several keys by comma). Anything else answers 400.
 */
final class SearchSorts {

  private final Map<String, SortKey> keys = new LinkedHashMap<>();

  /** A sortable parameter over {@code expression}; {@code nullable} if the column can be NULL. */
  SearchSorts key(String parameter, String expression, KeyType type, boolean nullable) {
    keys.put(parameter, new SortKey(expression, type, false, nullable));
    return this;
  }

  /**
   * Applies {@code _sort}. Without one, a search filtered by {@code _lastUpdated} is read in {@code
   * _lastUpdated} order (incremental sync: an index range instead of a row-order scan that skips
   * every older row); otherwise row order ({@code row_id}, insertion order).
   */
  void apply(SqlSearch s, SortSpec spec, Object lastUpdated) {
    apply(s, spec, lastUpdated != null ? "_lastUpdated" : null);
  }

  /** Applies {@code _sort}, or without one the sort key {@code defaultKey} (null: row order). */
  void apply(SqlSearch s, SortSpec spec, String defaultKey) {
    if (spec == null && defaultKey != null) {
      s.sortBy(keys.get(defaultKey));
      return;
    }
    apply(s, spec);
  }

  void apply(SqlSearch s, SortSpec spec) {
    Set<String> used = new HashSet<>();
    for (SortSpec k = spec; k != null; k = k.getChain()) {
      String name = k.getParamName();
      SortKey key = keys.get(name);
      if (key == null) {
        throw new InvalidRequestException(
            "SR-SEARCH-20: cannot sort "
                + s.resourceType()
                + " by '"
                + name
                + "'; sortable: "
                + String.join(", ", keys.keySet()));
      }
      if (!used.add(name)) {
        throw new InvalidRequestException("SR-SEARCH-21: _sort names '" + name + "' twice");
      }
      s.sortBy(
          new SortKey(
              key.expression(), key.type(), k.getOrder() == SortOrderEnum.DESC, key.nullable()));
    }
  }
}
