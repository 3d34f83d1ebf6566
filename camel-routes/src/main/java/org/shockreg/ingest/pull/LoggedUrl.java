package org.shockreg.ingest.pull;

import java.net.URI;

/**
 * A URL as it may appear in a log line or an error message: scheme, host, port and path only. A
 * query string or fragment can carry credentials (a pre-signed Bulk file URL's signature, a session
 * id in a next link, an access token), and user info is a password: none of it is written.
 */
public final class LoggedUrl {

  private LoggedUrl() {}

  public static String of(String url) {
    if (url == null) {
      return null;
    }
    try {
      URI u = URI.create(url.trim());
      if (u.getHost() == null) {
        return stripQuery(u.getRawPath() == null ? "" : u.getRawPath());
      }
      StringBuilder out = new StringBuilder();
      if (u.getScheme() != null) {
        out.append(u.getScheme()).append("://");
      }
      out.append(u.getHost());
      if (u.getPort() >= 0) {
        out.append(':').append(u.getPort());
      }
      if (u.getRawPath() != null) {
        out.append(u.getRawPath());
      }
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        out.append("?…");
      }
      return out.toString();
    } catch (IllegalArgumentException e) {
      return stripQuery(url);
    }
  }

  /**
   * Not a parseable URI: everything from the first {@code ?} or {@code #} is left out, and user
   * info.
   */
  private static String stripQuery(String text) {
    int cut = text.length();
    for (char c : new char[] {'?', '#'}) {
      int i = text.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    String head = text.substring(0, cut);
    int at = head.indexOf('@');
    int scheme = head.indexOf("://");
    if (at >= 0 && scheme >= 0 && at > scheme) {
      head = head.substring(0, scheme + 3) + head.substring(at + 1);
    }
    return cut < text.length() ? head + "?…" : head;
  }
}
