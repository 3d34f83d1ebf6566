package org.shockreg.ingest.pipeline;

/**
 * A resource or line of a batch that cannot be taken in, on its way to the dead-letter store: where
 * it was in the body, why, and its content as received.
 */
record Rejection(String type, String id, int index, String code, String reason, String payload) {

  /** A parser's message cut to a length a dead-letter reason can hold. */
  static String brief(String message) {
    if (message == null) {
      return "invalid";
    }
    return message.length() > 500 ? message.substring(0, 500) : message;
  }
}
