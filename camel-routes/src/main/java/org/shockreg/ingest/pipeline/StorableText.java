package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * PostgreSQL text and jsonb cannot hold NUL or an unpaired UTF-16 surrogate (legal in a JSON
 * escape, e.g. {@code "\u0000"} or {@code "\ud800"}): storing such a resource would fail the whole
 * batch's transaction. Such a resource is rejected alone instead.
 */
final class StorableText {

  private StorableText() {}

  /** Why {@code node} cannot be stored, or null when it can. */
  static String problem(JsonNode node) {
    if (node.isTextual()) {
      return problem(node.textValue());
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        String p = problem(f.getKey());
        if (p == null) {
          p = problem(f.getValue());
        }
        if (p != null) {
          return p;
        }
      }
    } else if (node.isArray()) {
      for (JsonNode e : node) {
        String p = problem(e);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  static String problem(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return "a string holds the NUL character (U+0000), which the registry cannot store";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return "a string holds an unpaired UTF-16 surrogate, which is not valid Unicode text";
      }
      if (Character.isLowSurrogate(c)) {
        return "a string holds an unpaired UTF-16 surrogate, which is not valid Unicode text";
      }
    }
    return null;
  }
}
