package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One search as HAPI parsed it for a search signature: the declared parameters' values by name
 * (null when absent) and the result parameters, handed to {@link CuratedResourceProvider}.
 */
public final class SearchArguments {

  private final RequestDetails request;
  private final SummaryEnum summary;
  private final SearchTotalModeEnum total;
  private final Map<String, Object> values = new HashMap<>();
  private SortSpec sort;
  private Set<Include> include;
  private Set<Include> revInclude;

  private SearchArguments(RequestDetails request, SummaryEnum summary, SearchTotalModeEnum total) {
    this.request = request;
    this.summary = summary;
    this.total = total;
  }

  public static SearchArguments of(
      RequestDetails request, SummaryEnum summary, SearchTotalModeEnum total) {
    return new SearchArguments(request, summary, total);
  }

  public static SearchArguments of(RequestDetails request) {
    return new SearchArguments(request, null, null);
  }

  /** The value of the declared parameter {@code name} (its {@code @OptionalParam} name). */
  public SearchArguments with(String name, Object value) {
    values.put(name, value);
    return this;
  }

  public SearchArguments sort(SortSpec sort) {
    this.sort = sort;
    return this;
  }

  public SearchArguments include(Set<Include> include) {
    this.include = include;
    return this;
  }

  public SearchArguments revInclude(Set<Include> revInclude) {
    this.revInclude = revInclude;
    return this;
  }

  public Object value(String name) {
    return values.get(name);
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public Set<String> names() {
    return values.keySet();
  }

  public RequestDetails request() {
    return request;
  }

  public SummaryEnum summary() {
    return summary;
  }

  public SearchTotalModeEnum total() {
    return total;
  }

  public SortSpec sort() {
    return sort;
  }

  public Set<Include> include() {
    return include;
  }

  public Set<Include> revInclude() {
    return revInclude;
  }
}
