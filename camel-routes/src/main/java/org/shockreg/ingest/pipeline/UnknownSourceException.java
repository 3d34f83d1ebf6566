package org.shockreg.ingest.pipeline;

/** The source id is malformed, or names no configured site while auto-registration is off. */
public class UnknownSourceException extends RuntimeException {
  public UnknownSourceException(String message) {
    super(message);
  }
}
