package org.shockreg.ingest.pull.auth;

import java.util.Optional;

/**
 * The {@code Authorization} header value for requests to one source, asked for before every
 * request, so a token that expires in the middle of paging or a download is renewed there.
 */
public interface AccessTokenProvider {

  /** The header value ({@code Bearer ...}, {@code Basic ...}), or empty for no authentication. */
  Optional<String> authorization();

  /** The server answered 401: the current token is not good any more; get a new one next time. */
  default void invalidate() {}
}
