package org.shockreg.ingest.pull.auth;

/**
 * A smart-backend source could not get an access token: the token endpoint refused the client
 * (4xx), kept failing after the retries (5xx, 429, I/O), or answered something that is not a token.
 * The message names the source and the endpoint, never the token or the client assertion.
 */
public class TokenRequestException extends RuntimeException {

  private final String sourceId;
  private final int status;

  public TokenRequestException(String sourceId, int status, String message, Throwable cause) {
    super(message, cause);
    this.sourceId = sourceId;
    this.status = status;
  }

  /** The source whose token request failed. */
  public String sourceId() {
    return sourceId;
  }

  /** The token endpoint's HTTP status, or 0 when there was no usable HTTP answer. */
  public int status() {
    return status;
  }
}
