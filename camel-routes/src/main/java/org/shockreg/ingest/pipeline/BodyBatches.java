package org.shockreg.ingest.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
    List<ReadEntry> batch = new ArrayList<>(batchSize);
    try (InputStream in = request.body().open()) {
      reader.read(
          in,
          format,
          e -> {
            batch.add(prepare(e));
            if (batch.size() >= batchSize) {
              consumer.full(batch);
              batch.clear();
            }
          });
    }
    consumer.last(batch);
  }

  /** A batch handed from the reading thread to the curating one, or how the reading ended. */
  private record Handoff(List<ReadEntry> batch, boolean last, Exception failure) {}

  private void readAhead(
      IntakeRequest request, SourceEntryReader.Format format, int batchSize, BatchConsumer consumer)
      throws IOException, SourceEntryReader.BodyException {
    // One batch queued while one is curated and one is being read: memory stays bounded.
    BlockingQueue<Handoff> queue = new ArrayBlockingQueue<>(1);
    ReadingTask task = new ReadingTask(() -> readInto(queue, request, format, batchSize));
    Future<?> reading = readers.submit(task);
    try {
      while (true) {
        Handoff h = take(queue);
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
      // The consumer failed (or is done): stop the reader and wait for it, so the body is
      // closed (a spooled file may be deleted next) and no thread outlives the request.
      reading.cancel(true);
      task.awaitEnd();
    }
  }

  /** On the reading thread: the body's batches into {@code queue}, then how the reading ended. */
  private void readInto(
      BlockingQueue<Handoff> queue,
      IntakeRequest request,
      SourceEntryReader.Format format,
      int batchSize) {
    Handoff end;
    List<List<ReadEntry>> filling = new ArrayList<>(List.of(new ArrayList<>(batchSize)));
    try (InputStream in = request.body().open()) {
      reader.read(
          in,
          format,
          e -> {
            List<ReadEntry> batch = filling.get(0);
            batch.add(prepare(e));
            if (batch.size() >= batchSize) {
              handOff(queue, new Handoff(batch, false, null));
              filling.set(0, new ArrayList<>(batchSize));
            }
          });
      end = new Handoff(filling.get(0), true, null);
    } catch (Cancelled c) {
      return;
    } catch (IOException | SourceEntryReader.BodyException | RuntimeException e) {
      end = new Handoff(null, true, e);
    } catch (Error e) {
      end = new Handoff(null, true, new IllegalStateException("reading the body failed", e));
    }
    try {
      handOff(queue, end);
    } catch (Cancelled c) {
      // nobody is waiting any more
    }
  }

  /**
   * The reading thread's work, run at most once, and a way to wait for its end: a task cancelled
   * before it started never runs, one that started is waited for.
   */
  private static final class ReadingTask implements Runnable {
    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;
    private final Runnable work;
    private final AtomicInteger state = new AtomicInteger(NEW);
    private final CountDownLatch ended = new CountDownLatch(1);

    ReadingTask(Runnable work) {
      this.work = work;
    }

    @Override
    public void run() {
      if (!state.compareAndSet(NEW, RUNNING)) {
        return;
      }
      try {
        work.run();
      } finally {
        ended.countDown();
      }
    }

    void awaitEnd() {
      if (state.compareAndSet(NEW, ABANDONED)) {
        return;
      }
      boolean interrupted = false;
      while (true) {
        try {
          ended.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
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
  private static final class Cancelled extends RuntimeException {
    Cancelled() {
      super(null, null, false, false);
    }
  }

  private static void handOff(BlockingQueue<Handoff> queue, Handoff h) {
    try {
      queue.put(h);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Cancelled();
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
