package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A body read one batch ahead on a thread of its own gives the consumer exactly what reading it
 * inline gives (the same entries, candidates and rejections in the same batches), fails at the same
 * point, and never leaves its reading thread behind.
 */
class BodyBatchesTest {

  private final ObjectMapper json = new ObjectMapper();
  private final ExecutorService readers = Executors.newCachedThreadPool();
  private final BodyBatches batches =
      new BodyBatches(
          new SourceEntryReader(json, IntakeLimits.DEFAULTS), new SourceCandidates(json), readers);

  @AfterEach
  void stop() {
    readers.shutdownNow();
  }

  /** Observations, with a line that is not JSON, one that is not an object, one without an id. */
  private static byte[] ndjson(int lines) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      if (i % 97 == 13) {
        b.append("{not json\n");
      } else if (i % 101 == 7) {
        b.append("[1,2]\n");
      } else if (i % 103 == 5) {
        b.append("{\"resourceType\":\"Observation\",\"status\":\"final\"}\n");
      } else {
        b.append("{\"resourceType\":\"Observation\",\"id\":\"o")
            .append(i)
            .append("\",\"meta\":{\"versionId\":\"1\"},\"status\":\"final\",\"code\":{\"coding\":")
            .append("[{\"system\":\"http://loinc.org\",\"code\":\"2524-7\"}]},")
            .append("\"valueQuantity\":{\"value\":")
            .append(i % 17)
            .append(".5,\"unit\":\"mmol/L\"}}\n");
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static IntakeRequest request(IntakeRequest.Body body) {
    return new IntakeRequest(
        "site-a", IntakeRequest.CHANNEL_HTTP, "test", "application/fhir+ndjson", null, body);
  }

  /** Each batch as text: entry index, candidate key and hash, or rejection code. */
  private static class Recorder implements BodyBatches.BatchConsumer {
    final List<String> seen = new ArrayList<>();

    @Override
    public void full(List<BodyBatches.ReadEntry> batch) {
      seen.add("full " + describe(batch));
    }

    @Override
    public void last(List<BodyBatches.ReadEntry> batch) {
      seen.add("last " + describe(batch));
    }

    private static String describe(List<BodyBatches.ReadEntry> batch) {
      StringBuilder b = new StringBuilder();
      for (BodyBatches.ReadEntry r : batch) {
        b.append(r.entry().index()).append(':');
        if (r.candidate() != null) {
          b.append(r.candidate().type)
              .append('/')
              .append(r.candidate().id)
              .append('@')
              .append(HexFormat.of().formatHex(r.candidate().hash));
        } else {
          b.append("rejected ").append(r.rejection().code());
        }
        b.append(' ');
      }
      return b.toString();
    }
  }

  private List<String> read(IntakeRequest request, boolean readAhead) throws Exception {
    Recorder recorder = new Recorder();
    read(request.body(), readAhead, recorder);
    return recorder.seen;
  }

  /** An NDJSON body in batches of 100. */
  private void read(IntakeRequest.Body body, boolean readAhead, BodyBatches.BatchConsumer consumer)
      throws Exception {
    batches.read(request(body), SourceEntryReader.Format.NDJSON, 100, readAhead, consumer);
  }

  @Test
  void readAhead_givesTheSameBatchesAsReadingInline() throws Exception {
    byte[] body = ndjson(2_550);
    assertThat(body.length).isGreaterThan((int) BodyBatches.READ_AHEAD_MIN_BYTES);
    List<String> inline = read(request(IntakeRequest.Body.of(body)), false);
    List<String> ahead = read(request(IntakeRequest.Body.of(body)), true);
    assertThat(ahead).hasSize(26).isEqualTo(inline);
    assertThat(ahead.get(25)).startsWith("last 2500:");
    assertThat(String.join("", ahead))
        .contains("rejected unparseable-resource")
        .contains("rejected missing-id");
  }

  @Test
  void aBodyEndingOnAFullBatch_endsWithAnEmptyLastBatch_inBothModes() throws Exception {
    byte[] body = ndjson(3_000);
    List<String> ahead = read(request(IntakeRequest.Body.of(body)), true);
    assertThat(ahead).isEqualTo(read(request(IntakeRequest.Body.of(body)), false));
    assertThat(ahead.get(ahead.size() - 1)).isEqualTo("last ");
  }

  @Test
  void aSmallBody_isReadInline_onTheCallersThread() throws Exception {
    byte[] body = ndjson(50);
    Thread caller = Thread.currentThread();
    List<Thread> consumers = new ArrayList<>();
    List<String> openedOn = new ArrayList<>();
    read(
        opened(body, openedOn),
        true,
        new Recorder() {
          @Override
          public void last(List<BodyBatches.ReadEntry> batch) {
            consumers.add(Thread.currentThread());
          }
        });
    assertThat(openedOn).containsExactly(caller.getName());
    assertThat(consumers).containsExactly(caller);
  }

  @Test
  void whileOneBodyIsReadAhead_anotherIsReadInline() throws Exception {
    byte[] bytes = ndjson(3_000);
    CountDownLatch inFirstBatch = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> firstOpenedOn = new CopyOnWriteArrayList<>();
    Future<?> first =
        readers.submit(
            () -> {
              read(
                  opened(bytes, firstOpenedOn),
                  true,
                  new Recorder() {
                    @Override
                    public void full(List<BodyBatches.ReadEntry> batch) {
                      inFirstBatch.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                    }
                  });
              return null;
            });
    assertThat(inFirstBatch.await(10, TimeUnit.SECONDS)).isTrue();
    List<String> secondOpenedOn = new ArrayList<>();
    Recorder recorder = new Recorder();
    read(opened(bytes, secondOpenedOn), true, recorder);
    release.countDown();
    first.get(10, TimeUnit.SECONDS);
    assertThat(secondOpenedOn).containsExactly(Thread.currentThread().getName());
    assertThat(firstOpenedOn).doesNotContain(Thread.currentThread().getName());
    assertThat(recorder.seen).hasSize(31);
    // and once the first is done, the next large body is read ahead again
    List<String> thirdOpenedOn = new ArrayList<>();
    read(opened(bytes, thirdOpenedOn), true, new Recorder());
    assertThat(thirdOpenedOn).doesNotContain(Thread.currentThread().getName());
  }

  private static IntakeRequest.Body opened(byte[] bytes, List<String> threads) {
    return new IntakeRequest.Body() {
      @Override
      public InputStream open() {
        threads.add(Thread.currentThread().getName());
        return new ByteArrayInputStream(bytes);
      }

      @Override
      public long size() {
        return bytes.length;
      }
    };
  }

  /** A body that counts what was read of it and whether it was closed. */
  private static final class WatchedBody implements IntakeRequest.Body {
    final byte[] bytes;
    final long failAt;
    final AtomicLong read = new AtomicLong();
    final AtomicBoolean closed = new AtomicBoolean();

    WatchedBody(byte[] bytes, long failAt) {
      this.bytes = bytes;
      this.failAt = failAt;
    }

    @Override
    public InputStream open() {
      return new FilterInputStream(new ByteArrayInputStream(bytes)) {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (read.get() >= failAt) {
            throw new IOException("connection reset");
          }
          int n = super.read(b, off, (int) Math.min(len, Math.max(1, failAt - read.get())));
          if (n > 0) {
            read.addAndGet(n);
          }
          return n;
        }

        @Override
        public void close() throws IOException {
          closed.set(true);
          super.close();
        }
      };
    }
  }

  @Test
  void aConsumerThatFails_stopsTheReader_beforeReadReturns() {
    WatchedBody body = new WatchedBody(ndjson(20_000), Long.MAX_VALUE);
    List<String> calls = new ArrayList<>();
    assertThatThrownBy(
            () ->
                read(
                    body,
                    true,
                    new Recorder() {
                      @Override
                      public void full(List<BodyBatches.ReadEntry> batch) {
                        calls.add("full");
                        if (calls.size() == 2) {
                          throw new IllegalStateException("database down");
                        }
                      }
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("database down");
    // The body was closed before read() returned, and only a few batches of it were read ahead.
    assertThat(body.closed).isTrue();
    assertThat(body.read.get()).isLessThan(body.bytes.length / 4);
    assertThat(calls).hasSize(2);
  }

  @Test
  void aBodyThatBreaksOff_failsAfterTheSameBatches_inBothModes() {
    byte[] bytes = ndjson(5_000);
    long failAt = bytes.length / 2;
    List<List<String>> seen = new ArrayList<>();
    for (boolean ahead : new boolean[] {false, true}) {
      Recorder recorder = new Recorder();
      WatchedBody body = new WatchedBody(bytes, failAt);
      assertThatThrownBy(() -> read(body, ahead, recorder))
          .isInstanceOf(IOException.class)
          .hasMessage("connection reset");
      assertThat(body.closed).isTrue();
      seen.add(recorder.seen);
    }
    assertThat(seen.get(1)).isEqualTo(seen.get(0));
    assertThat(seen.get(0)).hasSizeGreaterThan(10).allMatch(s -> s.startsWith("full "));
  }
}
