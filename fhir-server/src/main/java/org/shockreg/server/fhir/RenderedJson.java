package org.shockreg.server.fhir;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.jdbc.core.RowMapper;

/**
 * Search entries rendered as FHIR JSON straight from their rows by {@link CuratedJsonWriter} (the
 * writer Bulk export uses, equal to HAPI's rendering of the mapped resource), kept on the resource
 * as user data while HAPI builds the page: {@link RenderedSearchBundles} then writes that text in
 * place of HAPI's per-resource encoding, which was half of a search's server CPU (issue 15). A row
 * the writer does not cover carries no text and is encoded by HAPI as before.
 */
final class RenderedJson {

  /** The user-data key of a resource's rendered JSON text. */
  static final String USER_DATA = RenderedJson.class.getName();

  private static final int MAX_IDLE_WRITERS = 32;

  /** How one type's row is written, e.g. {@code CuratedJsonWriter::observation}. */
  interface RowJson {
    boolean write(CuratedJsonWriter writer, ResultSet rs, StringBuilder out) throws SQLException;
  }

  private final CuratedResourceMapper mapper;
  // writers cache rendered fragments and are not thread safe: each row borrows an idle one
  private final Queue<CuratedJsonWriter> idle = new ConcurrentLinkedQueue<>();

  RenderedJson(CuratedResourceMapper mapper) {
    this.mapper = mapper;
  }

  private CuratedJsonWriter borrow() {
    CuratedJsonWriter writer = idle.poll();
    return writer != null ? writer : new CuratedJsonWriter(mapper);
  }

  private void giveBack(CuratedJsonWriter writer) {
    if (idle.size() < MAX_IDLE_WRITERS) {
      idle.offer(writer);
    }
  }

  /**
   * {@code rows}, each mapped resource also carrying its row rendered by {@code json} (when the
   * writer covers the row).
   */
  <T extends IBaseResource> RowMapper<T> rows(RowMapper<T> rows, RowJson json) {
    return (rs, i) -> {
      T resource = rows.mapRow(rs, i);
      if (resource != null) {
        StringBuilder out = new StringBuilder(2048);
        CuratedJsonWriter writer = borrow();
        try {
          if (json.write(writer, rs, out)) {
            resource.setUserData(USER_DATA, out.toString());
          }
        } finally {
          giveBack(writer);
        }
      }
      return resource;
    };
  }

  /** The rendered text of {@code resource}, or null. */
  static String of(IBaseResource resource) {
    return resource.getUserData(USER_DATA) instanceof String s ? s : null;
  }
}
