package org.shockreg.server.fhir;

import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A compiled search that can be read page by page from a keyset cursor. It holds SQL and bound
 * parameters, never results, so a next link re-runs it from where the previous page ended.
 */
interface PagedQuery {

  /**
   * One page: the matches (and, after them, resources it includes, tagged as such) and the cursor
   * after the last match, or null when nothing follows.
   */
  record Page(List<IBaseResource> resources, String nextCursor) {}

  Page page(NamedParameterJdbcTemplate jdbc, String cursor, int limit);

  int count(NamedParameterJdbcTemplate jdbc);
}
