package org.shockreg.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.shockreg.server.fhir.CuratedJsonWriter;
import org.shockreg.server.fhir.CuratedResourceMapper;
import org.springframework.jdbc.core.RowMapper;

/**
 * Streams curated rows into NDJSON files in constant memory: a JDBC cursor (fetch size) per row-id
 * range, each row written as JSON by {@link CuratedJsonWriter} where it covers the type (the search
 * API's shape, without HAPI objects: the encoding was most of the export's CPU), else mapped by the
 * search API's row mapper and encoded by HAPI; one line at a time into a buffered file ({@link
 * NdjsonOutput}). No list of resources is ever held. The "deleted" files of an export with {@code
 * _since}: {@link DeletedFiles}.
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

  /**
   * One finished NDJSON file of deletion Bundles: {@code count} Bundles, {@code deletions} entries.
   */
  record DeletedFile(String fileName, long count, long deletions) {}

  /** {@code deleted}: the manifest's "deleted" files, empty without {@code _since}. */
  record Result(
      Instant transactionTime, List<OutputFile> files, long resources, List<DeletedFile> deleted) {}

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

  /** {@code props}: threads per job, resources per file, fetch size and range width. */
  NdjsonExporter(
      DataSource dataSource,
      CuratedResourceMapper mapper,
      FhirContext fhir,
      ExecutorService helpers,
      BulkExportProperties props) {
    this.dataSource = dataSource;
    this.mapper = mapper;
    this.fhir = fhir;
    this.helpers = helpers;
    this.threads = props.threadsPerJob();
    this.maxResourcesPerFile = props.maxResourcesPerFile();
    this.fetchSize = props.fetchSize();
    this.rangeRows = props.rangeRows();
  }

  /**
   * Writes the files into {@code dir} (which must exist). Throws {@link CancellationException} when
   * the control says so; files already written are left for the caller to remove.
   */
  Result export(Request request, Path dir, Control control) throws Exception {
    Instant transactionTime = ExportSnapshot.safeTransactionTime(dataSource);
    NdjsonOutput output = new NdjsonOutput(dir, maxResourcesPerFile);
    AtomicBoolean abort = new AtomicBoolean();
    List<DeletedFile> deleted;
    try (Connection leader = dataSource.getConnection()) {
      ExportSnapshot.begin(leader);
      try {
        String snapshot = ExportSnapshot.export(leader);
        Queue<Range> ranges = ranges(leader, request.types());
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i < threads && helpers != null && ranges.size() > 1; i++) {
          others.add(
              helpers.submit(
                  () -> {
                    try (Connection c = dataSource.getConnection()) {
                      ExportSnapshot.begin(c);
                      try {
                        ExportSnapshot.importInto(c, snapshot);
                        drain(c, ranges, request, output, control, abort);
                      } finally {
                        ExportSnapshot.end(c);
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
              failure =
                  e.getCause() instanceof Exception ex
                      ? ex
                      : new IllegalStateException(e.getCause());
            }
          }
        }
        if (failure != null) {
          throw failure;
        }
        // in the same snapshot as the output, so a resource is either current or deleted
        deleted =
            request.since() == null
                ? List.of()
                : DeletedFiles.write(
                    leader,
                    request,
                    dir,
                    control,
                    fhir.newJsonParser().setPrettyPrint(false),
                    fetchSize,
                    maxResourcesPerFile);
      } finally {
        ExportSnapshot.end(leader);
      }
    }
    if (control.cancelled()) {
      throw new CancellationException();
    }
    return new Result(transactionTime, output.files(), output.total(), deleted);
  }

  /** Row-id ranges of every type, the biggest types first so threads finish together. */
  private Queue<Range> ranges(Connection c, List<ExportedType> types) throws SQLException {
    List<List<Range>> perType = new ArrayList<>();
    for (ExportedType type : types) {
      List<Range> list = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT min(row_id), max(row_id) FROM " + type.table())) {
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
      NdjsonOutput output,
      Control control,
      AtomicBoolean abort)
      throws SQLException, IOException {
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    CuratedJsonWriter json = new CuratedJsonWriter(mapper);
    StringBuilder line = new StringBuilder(4096);
    Map<ExportedType, NdjsonOutput.RollingFile> files = new EnumMap<>(ExportedType.class);
    try {
      Range range;
      while ((range = ranges.poll()) != null) {
        ExportedType type = range.type();
        RowMapper<? extends IBaseResource> rows = type.mapper(mapper);
        NdjsonOutput.RollingFile file = files.computeIfAbsent(type, output::rollingFile);
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
                file.write(
                    parser
                        .encodeResourceToString(rows.mapRow(rs, n))
                        .getBytes(StandardCharsets.UTF_8));
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
      for (NdjsonOutput.RollingFile f : files.values()) {
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
}
