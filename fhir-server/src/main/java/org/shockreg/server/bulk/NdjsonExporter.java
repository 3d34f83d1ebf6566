package org.shockreg.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.shockreg.server.fhir.CuratedJsonWriter;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.springframework.jdbc.core.RowMapper;

/**
 * Streams curated rows into NDJSON files in constant memory: a JDBC cursor (fetch size) per
 * row-id range, each row written as JSON by {@link CuratedJsonWriter} where it covers the type (the
 * search API's shape, without HAPI objects: the encoding was most of the export's CPU), else mapped
 * by the search API's row mapper and encoded by HAPI; one line at a time into a buffered file. No
 * list of resources is ever held.
 *
 * <p>Consistency: the whole export reads one PostgreSQL snapshot. The leading connection opens a
 * REPEATABLE READ, READ ONLY transaction and exports its snapshot ({@code pg_export_snapshot()});
 * the other threads import it ({@code SET TRANSACTION SNAPSHOT}), so ranges exported in parallel
 * see the same data while ingest goes on, as a parallel {@code pg_dump} does.
 *
 * <p>Transaction time: curated rows carry {@code last_updated = now()}, the start of the writing
 * transaction, which may commit after our snapshot was taken. So the reported time is the earlier
 * of "now" and the start of the oldest transaction still open just before the snapshot (minus one
 * millisecond): every row changed up to that instant is in the export, and a follow-up export with
 * {@code _since} = that instant misses nothing (it may repeat a few rows).
 */
final class NdjsonExporter {

  /** What to export: types, {@code _since} (or null), the only patients to include (or null). */
  record Request(List<ExportedType> types, Instant since, List<String> patientIds) {}

  /** One finished NDJSON file. */
  record OutputFile(ExportedType type, int sequence, String fileName, long count) {}

  /** One finished NDJSON file of deletion Bundles: {@code count} Bundles, {@code deletions} entries. */
  record DeletedFile(String fileName, long count, long deletions) {}

  /** {@code deleted}: the manifest's "deleted" files, empty without {@code _since}. */
  record Result(
      Instant transactionTime, List<OutputFile> files, long resources, List<DeletedFile> deleted) {}

  /** Entries per deletion Bundle: keeps one Bundle (one NDJSON line) small. */
  static final int DELETIONS_PER_BUNDLE = 1000;

  /** The job's side: cancellation and progress. */
  interface Control {
    boolean cancelled();

    void exported(ExportedType type, long resources);
  }

  /** Builds the exporter once the service has made its thread pool for parallel ranges. */
  interface Factory {
    NdjsonExporter create(ExecutorService helpers);
  }

  private record Range(ExportedType type, long afterRowId, long toRowId) {}

  private final DataSource dataSource;
  private final CuratedResourceMapper mapper;
  private final FhirContext fhir;
  private final ExecutorService helpers;
  private final int threads;
  private final int maxResourcesPerFile;
  private final int fetchSize;
  private final long rangeRows;

  NdjsonExporter(
      DataSource dataSource,
      CuratedResourceMapper mapper,
      FhirContext fhir,
      ExecutorService helpers,
      int threads,
      int maxResourcesPerFile,
      int fetchSize,
      long rangeRows) {
    this.dataSource = dataSource;
    this.mapper = mapper;
    this.fhir = fhir;
    this.helpers = helpers;
    this.threads = threads;
    this.maxResourcesPerFile = maxResourcesPerFile;
    this.fetchSize = fetchSize;
    this.rangeRows = rangeRows;
  }

  /**
   * Writes the files into {@code dir} (which must exist). Throws {@link CancellationException}
   * when the control says so; files already written are left for the caller to remove.
   */
  Result export(Request request, Path dir, Control control) throws Exception {
    Instant transactionTime = safeTransactionTime();
    Output output = new Output(dir);
    AtomicBoolean abort = new AtomicBoolean();
    List<DeletedFile> deleted;
    try (Connection leader = dataSource.getConnection()) {
      beginSnapshotTransaction(leader);
      try {
        String snapshot;
        try (Statement st = leader.createStatement();
            ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
          rs.next();
          snapshot = rs.getString(1);
        }
        Queue<Range> ranges = ranges(leader, request.types());
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i < threads && helpers != null && ranges.size() > 1; i++) {
          others.add(
              helpers.submit(
                  () -> {
                    try (Connection c = dataSource.getConnection()) {
                      beginSnapshotTransaction(c);
                      try {
                        try (Statement st = c.createStatement()) {
                          // the snapshot id comes from PostgreSQL itself, never from a request
                          st.execute("SET TRANSACTION SNAPSHOT '" + snapshot.replace("'", "") + "'");
                        }
                        drain(c, ranges, request, output, control, abort);
                      } finally {
                        endTransaction(c);
                      }
                    }
                    return null;
                  }));
        }
        Exception failure = null;
        try {
          drain(leader, ranges, request, output, control, abort);
        } catch (Exception e) {
          failure = e;
          abort.set(true);
        }
        // the leading transaction stays open until every helper has imported and used its snapshot
        for (Future<?> f : others) {
          try {
            f.get();
          } catch (ExecutionException e) {
            abort.set(true);
            if (failure == null || failure instanceof CancellationException) {
              failure = e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
            }
          }
        }
        if (failure != null) {
          throw failure;
        }
        // in the same snapshot as the output, so a resource is either current or deleted
        deleted = request.since() == null ? List.of() : writeDeletions(leader, request, dir, control);
      } finally {
        endTransaction(leader);
      }
    }
    if (control.cancelled()) {
      throw new CancellationException();
    }
    return new Result(transactionTime, output.files(), output.total(), deleted);
  }

  /** See the class comment: read before the snapshot, so no open writer can be missed. */
  private Instant safeTransactionTime() throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    + " AND xact_start IS NOT NULL))")) {
      rs.next();
      Instant t = rs.getTimestamp(1).toInstant();
      return t.truncatedTo(ChronoUnit.MILLIS).minusMillis(1);
    }
  }

  private static void beginSnapshotTransaction(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    c.setReadOnly(true);
  }

  private static void endTransaction(Connection c) throws SQLException {
    c.rollback(); // read only: nothing to commit
    c.setReadOnly(false);
    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    c.setAutoCommit(true);
  }

  /** Row-id ranges of every type, the biggest types first so threads finish together. */
  private Queue<Range> ranges(Connection c, List<ExportedType> types) throws SQLException {
    List<List<Range>> perType = new ArrayList<>();
    for (ExportedType type : types) {
      List<Range> list = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT min(row_id), max(row_id) FROM " + type.table())) {
        rs.next();
        long min = rs.getLong(1);
        if (!rs.wasNull()) {
          long max = rs.getLong(2);
          for (long after = min - 1; after < max; after += rangeRows) {
            list.add(new Range(type, after, Math.min(max, after + rangeRows)));
          }
        }
      }
      perType.add(list);
    }
    perType.sort(Comparator.comparingInt((List<Range> l) -> l.size()).reversed());
    Queue<Range> queue = new ConcurrentLinkedQueue<>();
    perType.forEach(queue::addAll);
    return queue;
  }

  private void drain(
      Connection c,
      Queue<Range> ranges,
      Request request,
      Output output,
      Control control,
      AtomicBoolean abort)
      throws SQLException, IOException {
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    CuratedJsonWriter json = new CuratedJsonWriter(mapper);
    StringBuilder line = new StringBuilder(4096);
    Map<ExportedType, RollingFile> files = new EnumMap<>(ExportedType.class);
    try {
      Range range;
      while ((range = ranges.poll()) != null) {
        ExportedType type = range.type();
        RowMapper<? extends IBaseResource> rows = type.mapper(mapper);
        RollingFile file = files.computeIfAbsent(type, t -> new RollingFile(t, output));
        long exported = 0;
        try (PreparedStatement ps =
            c.prepareStatement(
                type.rangeSql(request.since() != null, request.patientIds() != null))) {
          ps.setFetchSize(fetchSize);
          int i = 1;
          ps.setLong(i++, range.afterRowId());
          ps.setLong(i++, range.toRowId());
          if (request.since() != null) {
            ps.setObject(i++, OffsetDateTime.ofInstant(request.since(), ZoneOffset.UTC));
          }
          if (request.patientIds() != null) {
            ps.setArray(i++, c.createArrayOf("text", request.patientIds().toArray()));
          }
          try (ResultSet rs = ps.executeQuery()) {
            int n = 0;
            while (rs.next()) {
              if ((n & 255) == 0 && (abort.get() || control.cancelled())) {
                throw new CancellationException();
              }
              line.setLength(0);
              // the streaming writer where it covers the row, else the mapper and HAPI (same JSON)
              if (type.writeJson(json, rs, line)) {
                String text = line.toString();
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                if (utf8.length != text.length()) {
                  // a non-ASCII character (a unit in μmol/L, say) may have widened the builder to
                  // UTF-16 for good, which slows every later row: start a fresh one
                  line = new StringBuilder(4096);
                }
                file.write(utf8);
              } else {
                file.write(parser.encodeResourceToString(rows.mapRow(rs, n)).getBytes(StandardCharsets.UTF_8));
              }
              n++;
              if ((n & 1023) == 0) {
                control.exported(type, 1024);
                exported += 1024;
              }
            }
            control.exported(type, n - exported);
          }
        }
      }
    } finally {
      IOException closeFailure = null;
      for (RollingFile f : files.values()) {
        try {
          f.close();
        } catch (IOException e) {
          closeFailure = e;
        }
      }
      if (closeFailure != null) {
        throw closeFailure;
      }
    }
  }

  /**
   * The Bulk Data IG 2.0 "deleted" files: NDJSON lines of transaction Bundles whose entries are
   * DELETE requests for the resources of the requested types deleted after {@code _since} (of the
   * requested patients only, for a Group) and absent in the snapshot. Streamed by a cursor; one
   * Bundle per type and per {@link #DELETIONS_PER_BUNDLE} ids, files rolled like the output files.
   */
  private List<DeletedFile> writeDeletions(Connection c, Request request, Path dir, Control control)
      throws SQLException, IOException {
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    DeletedFiles files = new DeletedFiles(dir, parser);
    try {
      for (ExportedType type : request.types()) {
        if (control.cancelled()) {
          throw new CancellationException();
        }
        try (PreparedStatement ps = c.prepareStatement(type.deletedSql(request.patientIds() != null))) {
          ps.setFetchSize(fetchSize);
          ps.setObject(1, OffsetDateTime.ofInstant(request.since(), ZoneOffset.UTC));
          if (request.patientIds() != null) {
            ps.setArray(2, c.createArrayOf("text", request.patientIds().toArray()));
          }
          List<String> ids = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              ids.add(rs.getString(1));
              if (ids.size() == DELETIONS_PER_BUNDLE) {
                files.write(DeletionBundles.bundle(type.resourceType(), ids), ids.size());
                ids.clear();
              }
            }
          }
          if (!ids.isEmpty()) {
            files.write(DeletionBundles.bundle(type.resourceType(), ids), ids.size());
          }
        }
      }
    } finally {
      files.close();
    }
    return files.finished;
  }

  /** The rolling "deleted" files of one export, {@code Bundle.deleted.<n>.ndjson}. */
  private final class DeletedFiles {
    private final Path dir;
    private final IParser parser;
    private final List<DeletedFile> finished = new ArrayList<>();
    private Writer writer;
    private String fileName;
    private long lines;
    private long deletions;

    DeletedFiles(Path dir, IParser parser) {
      this.dir = dir;
      this.parser = parser;
    }

    void write(IBaseResource bundle, int entries) throws IOException {
      if (writer == null) {
        fileName = "Bundle.deleted." + (finished.size() + 1) + ".ndjson";
        writer =
            new BufferedWriter(
                new OutputStreamWriter(Files.newOutputStream(dir.resolve(fileName)), StandardCharsets.UTF_8),
                1 << 16);
      }
      writer.write(parser.encodeResourceToString(bundle));
      writer.write('\n');
      deletions += entries;
      if (++lines >= maxResourcesPerFile) {
        close();
      }
    }

    void close() throws IOException {
      if (writer != null) {
        writer.close();
        finished.add(new DeletedFile(fileName, lines, deletions));
        writer = null;
        lines = 0;
        deletions = 0;
      }
    }
  }

  /** The files of one export: per-type sequence numbers and the list of finished files. */
  private final class Output {
    private final Path dir;
    private final Map<ExportedType, AtomicInteger> sequences = new EnumMap<>(ExportedType.class);
    private final List<OutputFile> files = Collections.synchronizedList(new ArrayList<>());

    Output(Path dir) {
      this.dir = dir;
      for (ExportedType t : ExportedType.values()) {
        sequences.put(t, new AtomicInteger());
      }
    }

    int next(ExportedType type) {
      return sequences.get(type).incrementAndGet();
    }

    Path dir() {
      return dir;
    }

    void finished(OutputFile file) {
      files.add(file);
    }

    List<OutputFile> files() {
      List<OutputFile> sorted = new ArrayList<>(files);
      sorted.sort(
          Comparator.comparing(OutputFile::type).thenComparingInt(OutputFile::sequence));
      return sorted;
    }

    long total() {
      return files.stream().mapToLong(OutputFile::count).sum();
    }
  }

  /**
   * One thread's NDJSON file of one type: opened on the first resource, closed and replaced by the
   * next file after {@code maxResourcesPerFile} lines.
   */
  private final class RollingFile {
    private final ExportedType type;
    private final Output output;
    private OutputStream stream;
    private int sequence;
    private String fileName;
    private long lines;

    RollingFile(ExportedType type, Output output) {
      this.type = type;
      this.output = output;
    }

    /** One resource's JSON (UTF-8, no line end) as one NDJSON line. */
    void write(byte[] json) throws IOException {
      if (stream == null) {
        sequence = output.next(type);
        fileName = type.resourceType() + "." + sequence + ".ndjson";
        stream = new BufferedOutputStream(Files.newOutputStream(output.dir().resolve(fileName)), 1 << 16);
      }
      stream.write(json);
      stream.write('\n');
      if (++lines >= maxResourcesPerFile) {
        close();
      }
    }

    void close() throws IOException {
      if (stream != null) {
        stream.close();
        output.finished(new OutputFile(type, sequence, fileName, lines));
        stream = null;
        lines = 0;
      }
    }
  }
}
