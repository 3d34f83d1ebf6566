package org.shockreg.ingest.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Bundle entry {@code request.method = DELETE}: which source resource it deletes and which
 * version the deletion is. {@code request.url} is {@code Type/id}, an absolute URL ending in it, or
 * {@code Type/id/_history/n} (a history Bundle); the version comes from there, else from {@code
 * response.etag} ({@code W/"n"}), and its time from {@code response.lastModified}. A conditional
 * delete ({@code Observation?identifier=...}) names no resource: it is refused, not guessed.
 */
record DeleteEntry(String type, String id, SourceVersion version) {

  private static final Pattern URL =
      Pattern.compile(
          "(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\\-.]{1,64})(?:/_history/([A-Za-z0-9\\-.]{1,64}))?/?$");
  private static final Pattern ETAG = Pattern.compile("^(?:W/)?\"([^\"]+)\"$");

  /** Why a DELETE entry cannot be taken in: a stable code and a reason. */
  static final class Refused extends Exception {
    final String code;

    Refused(String code, String reason) {
      super(reason);
      this.code = code;
    }
  }

  static DeleteEntry of(ObjectNode entry) throws Refused {
    String url = entry.path("request").path("url").asText("").trim();
    if (url.contains("?")) {
      throw new Refused(
          "conditional-delete",
          "conditional delete '"
              + brief(url)
              + "' names no resource; send DELETE Type/id for each resource");
    }
    Matcher m = URL.matcher(url);
    if (!m.find()) {
      throw new Refused("invalid-delete-url", "DELETE url '" + brief(url) + "' is not Type/id");
    }
    JsonNode response = entry.path("response");
    String versionId = m.group(3);
    if (versionId == null && response.hasNonNull("etag")) {
      Matcher e = ETAG.matcher(response.get("etag").asText());
      versionId = e.matches() ? e.group(1) : null;
    }
    String lastModified =
        response.hasNonNull("lastModified") ? response.get("lastModified").asText() : null;
    return new DeleteEntry(m.group(1), m.group(2), SourceVersion.of(versionId, lastModified));
  }

  private static String brief(String s) {
    return s.length() > 200 ? s.substring(0, 200) : s;
  }
}
