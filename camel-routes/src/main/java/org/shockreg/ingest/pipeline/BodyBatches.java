package org.shockreg.ingest.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The read stage of a body, batch by batch: entries parsed, scanned and hashed into {@link
 * ReadEntry read entries}. A large body is read on a thread of its own one batch ahead, so that
 * batch n+1 is parsed and hashed while batch n is curated in the database (the two cores of a small
 * server both work); a small body (an HL7 message, one resource) is read inline, where a second
 * thread would cost more than it saves, and so is a body that arrives while another is read ahead.
 * Either way the consumer sees the same batches in the same order and, if the body breaks off, the
 * same failure after the same batches.
 */
final class BodyBatches {

  /** Bodies smaller than this are read inline: at most a batch or two, nothing to overlap. */
  static final long READ_AHEAD_MIN_BYTES = 256 * 1024;

  /** One entry as read: a candidate to curate, or the rejection it became. */
  record ReadEntry(SourceEntry entry, Candidate candidate, Rejection rejection) {}

  /** What is done with each batch, in body order. */
  interface BatchConsumer {
    /** A full batch; more may follow. */
    void full(List<ReadEntry> batch);

    /** The rest after the last full batch (possibly empty): the body was read to its end. */
    void last(List<ReadEntry> batch);
  }

  private final SourceEntryReader reader;
  private final SourceCandidates candidates;
  private final ExecutorService readers;
  private final AtomicBoolean readingAhead = new AtomicBoolean();

  BodyBatches(SourceEntryReader reader, SourceCandidates candidates, ExecutorService readers) {
    this.reader = reader;
    this.candidates = candidates;
    this.readers = readers;
  }

  /**
   * Reads {@code request}'s body into batches of {@code batchSize} for {@code consumer}, ahead of
   * it when {@code readAhead} and the body is large (or of unknown size: a file).
   */
  void read(
      IntakeRequest request,
      SourceEntryReader.Format format,
      int batchSize,
      boolean readAhead,
      BatchConsumer consumer)
      throws IOException, SourceEntryReader.BodyException {
    long size = request.body().size();
    // One body at a time is read ahead: then a core would otherwise wait for PostgreSQL. With
    // several bodies at once both cores are busy already, and reading each ahead measured slower
    // (more memory, more GC), so the others are read inline.
    if (readAhead
        && (size < 0 || size >= READ_AHEAD_MIN_BYTES)
        && readingAhead.compareAndSet(false, true)) {
      try {
        readAhead(request, format, batchSize, consumer);
      } finally {
        readingAhead.set(false);
      }
    } else {
      inline(request, format, batchSize, consumer);
    }
  }

  private void inline(
      IntakeRequest request, SourceEntryReader.Format format, int batchSize, BatchConsumer consumer)
      throws IOException, SourceEntryReader.BodyException {
    consumer.last(readBatches(request, format, batchSize, consumer::full));
  }

  /**
   * Reads the body, giving each full batch to {@code full}; returns the rest (possibly empty). The
   * body is closed when it returns or throws.
   */
  private List<ReadEntry> readBatches(
      IntakeRequest request,
      SourceEntryReader.Format format,
      int batchSize,
      Consumer<List<ReadEntry>> full)
      throws IOException, SourceEntryReader.BodyException {
    List<ReadEntry> batch = new ArrayList<>(batchSize);
    try (InputStream in = request.body().open()) {
      reader.read(
          in,
          format,
          e -> {
            batch.add(prepare(e));
            if (batch.size() >= batchSize) {
              full.accept(List.copyOf(batch));
              batch.clear();
            }
          });
    }
    return batch;
  }

  /** A batch handed from the reading thread to the curating one, or how the reading ended. */
  private record Handoff(List<ReadEntry> batch, boolean last, Exception failure) {}

  private void readAhead(
      IntakeRequest request, SourceEntryReader.Format format, int batchSize, BatchConsumer consumer)
      throws IOException, SourceEntryReader.BodyException {
    // One batch queued while one is curated and one is being read: memory stays bounded. The
    // reading thread always ends with one hand-off marked last, and the curating thread takes
    // hand-offs until it has seen that one.
    BlockingQueue<Handoff> queue = new ArrayBlockingQueue<>(1);
    AtomicBoolean stop = new AtomicBoolean();
    readers.execute(() -> readInto(queue, stop, request, format, batchSize));
    Handoff h = null;
    try {
      while (true) {
        h = take(queue);
        if (h.failure() != null) {
          rethrow(h.failure());
        }
        if (h.last()) {
          consumer.last(h.batch());
          return;
        }
        consumer.full(h.batch());
      }
    } finally {
      if (h == null || !h.last()) {
        // The consumer failed: the reader stops at its next hand-off; waiting for its last one
        // means the body is closed (a spooled file may be deleted next) and no thread outlives
        // the request.
        stop.set(true);
        while (!takeUninterruptibly(queue).last()) {
          // a batch read before the reader saw the stop: dropped
        }
      }
    }
  }

  /** On the reading thread: the body's batches into {@code queue}, then how the reading ended. */
  private void readInto(
      BlockingQueue<Handoff> queue,
      AtomicBoolean stop,
      IntakeRequest request,
      SourceEntryReader.Format format,
      int batchSize) {
    Handoff end;
    try {
      List<ReadEntry> rest =
          readBatches(
              request,
              format,
              batchSize,
              batch -> {
                if (stop.get()) {
                  throw new Stopped();
                }
                putUninterruptibly(queue, new Handoff(batch, false, null));
              });
      end = new Handoff(rest, true, null);
    } catch (Stopped s) {
      end = new Handoff(null, true, null);
    } catch (IOException | SourceEntryReader.BodyException | RuntimeException e) {
      end = new Handoff(null, true, e);
    } catch (Error e) {
      end = new Handoff(null, true, new IllegalStateException("reading the body failed", e));
    }
    putUninterruptibly(queue, end);
  }

  private ReadEntry prepare(SourceEntry e) {
    if (e.resource() == null && e.deletion() == null) {
      return new ReadEntry(
          e, null, new Rejection(null, null, e.index(), e.errorCode(), e.error(), e.raw()));
    }
    List<Rejection> rejected = new ArrayList<>(1);
    Candidate c = candidates.of(e, rejected);
    return new ReadEntry(e, c, rejected.isEmpty() ? null : rejected.get(0));
  }

  /** The curating thread gave up: the reading thread stops at its next hand-off. */
  private static final class Stopped extends RuntimeException {
    Stopped() {
      super(null, null, false, false);
    }
  }

  private static void putUninterruptibly(BlockingQueue<Handoff> queue, Handoff h) {
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(h);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Handoff take(BlockingQueue<Handoff> queue) {
    try {
      return queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading an intake body", e);
    }
  }

  private static Handoff takeUninterruptibly(BlockingQueue<Handoff> queue) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return queue.take();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void rethrow(Exception e) throws IOException, SourceEntryReader.BodyException {
    if (e instanceof IOException io) {
      throw io;
    }
    if (e instanceof SourceEntryReader.BodyException b) {
      throw b;
    }
    throw (RuntimeException) e;
  }
}
