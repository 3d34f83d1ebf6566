package org.shockreg.server.bulk;

/** A kick-off found the export queue full: the caller gets 429 with {@code Retry-After}. */
public final class ExportQueueFullException extends RuntimeException {

  ExportQueueFullException() {
    super("export queue is full");
  }
}
