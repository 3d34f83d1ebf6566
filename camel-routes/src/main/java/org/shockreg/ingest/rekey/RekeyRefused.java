package org.shockreg.ingest.rekey;

/**
 * Why a re-keying job was not started: {@code conflict} (409: a job is running, same key, the
 * database is not fresh) or not (422: the source is missing, malformed or cannot be reached).
 */
public final class RekeyRefused extends RuntimeException {

  private final boolean conflict;
  private final String code;

  RekeyRefused(boolean conflict, String code, String message) {
    super(message);
    this.conflict = conflict;
    this.code = code;
  }

  public boolean conflict() {
    return conflict;
  }

  /**
   * A stable reason code: {@code running}, {@code same-key}, {@code not-fresh}, {@code
   * no-fingerprint}, {@code source}.
   */
  public String code() {
    return code;
  }
}
