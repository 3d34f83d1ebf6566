package org.shockreg.ingest.pipeline;

/** The body as a whole is not a FHIR Bundle, resource or NDJSON: nothing in it can be taken in. */
public class UnparseableBodyException extends RuntimeException {

  private final long deadLetterId;

  public UnparseableBodyException(String message, long deadLetterId) {
    super(message);
    this.deadLetterId = deadLetterId;
  }

  public long deadLetterId() {
    return deadLetterId;
  }
}
