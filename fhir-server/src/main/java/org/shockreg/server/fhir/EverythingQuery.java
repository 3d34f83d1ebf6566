package org.shockreg.server.fhir;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * {@code Patient/{id}/$everything}: the patient's searches (Patient, Observations incl. derived,
 * Procedures, Conditions, Encounters) read one after the other. The cursor is (type ordinal, the
 * type's own keyset cursor), so pages stay correct while data changes, like a search.
 */
final class EverythingQuery implements PagedQuery {

  private final List<SqlSearch> parts;

  EverythingQuery(List<SqlSearch> parts) {
    this.parts = List.copyOf(parts);
  }

  List<SqlSearch> parts() {
    return parts;
  }

  @Override
  public Page page(NamedParameterJdbcTemplate jdbc, String cursor, int limit) {
    int part = 0;
    String inner = null;
    if (cursor != null) {
      int dot = cursor.indexOf('.');
      try {
        part = Integer.parseInt(cursor.substring(0, dot));
      } catch (RuntimeException e) {
        throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
            "SR-PAGE-3: invalid _pageId");
      }
      inner = cursor.substring(dot + 1);
      inner = inner.isEmpty() ? null : inner;
    }
    List<IBaseResource> out = new ArrayList<>();
    for (; part < parts.size(); part++, inner = null) {
      int remaining = limit - out.size();
      if (remaining == 0) {
        // the page is full: a next page exists only if a later type has a row
        for (int later = part; later < parts.size(); later++) {
          if (!parts.get(later).page(jdbc, null, 1).resources().isEmpty()) {
            return new Page(out, later + ".");
          }
        }
        return new Page(out, null);
      }
      Page page = parts.get(part).page(jdbc, inner, remaining);
      out.addAll(page.resources());
      if (page.nextCursor() != null) {
        return new Page(out, part + "." + page.nextCursor());
      }
    }
    return new Page(out, null);
  }

  @Override
  public int count(NamedParameterJdbcTemplate jdbc) {
    int n = 0;
    for (SqlSearch s : parts) {
      n += s.count(jdbc);
    }
    return n;
  }
}
