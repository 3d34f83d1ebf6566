package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One resource out of an intake body: its JSON tree and, in a Bundle, its fullUrl. When the line or
 * entry could not be read, {@code resource} is null and {@code error} says why ({@code errorCode}
 * is its reason code for the dead-letter store); {@code raw} keeps the text as received for the
 * dead-letter store. A Bundle entry with {@code request.method = DELETE} has no resource: {@code
 * deletion} is the whole entry (request, response).
 */
record SourceEntry(
    int index,
    String fullUrl,
    ObjectNode resource,
    String raw,
    String error,
    String errorCode,
    ObjectNode deletion) {

  static final String UNPARSEABLE = "unparseable-resource";

  SourceEntry(int index, String fullUrl, ObjectNode resource, String raw, String error) {
    this(index, fullUrl, resource, raw, error, error == null ? null : UNPARSEABLE, null);
  }

  /** A line or entry rejected unread, with a reason code of its own. */
  static SourceEntry rejected(int index, String raw, String errorCode, String error) {
    return new SourceEntry(index, null, null, raw, error, errorCode, null);
  }

  static SourceEntry deletion(int index, ObjectNode entry) {
    return new SourceEntry(index, null, null, entry.toString(), null, null, entry);
  }
}
