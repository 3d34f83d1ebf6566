package org.shockreg.ingest.pipeline;

/**
 * A body over one of the intake limits ({@link IntakeLimits}): nothing of it was taken in, it is in
 * the dead-letter store. A kind of {@link UnparseableBodyException}, so every channel that handles
 * a rejected body (drop folder, replay) handles this one too; HTTP answers 413.
 */
public class IntakeLimitException extends UnparseableBodyException {

  public static final String BODY_TOO_LARGE = "body-too-large";
  public static final String TOO_MANY_ENTRIES = "too-many-entries";

  private final String code;

  public IntakeLimitException(String code, String message, long deadLetterId) {
    super(message, deadLetterId);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
