package org.shockreg.server.bulk;

import ca.uhn.fhir.parser.IParser;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.shockreg.server.bulk.NdjsonExporter.Control;
import org.shockreg.server.bulk.NdjsonExporter.DeletedFile;
import org.shockreg.server.bulk.NdjsonExporter.Request;

/**
 * The Bulk Data IG 2.0 "deleted" files of one export, {@code Bundle.deleted.<n>.ndjson}: NDJSON
 * lines of transaction Bundles whose entries are DELETE requests for the resources of the requested
 * types deleted after {@code _since} (of the requested patients only, for a Group) and absent in
 * the snapshot. Streamed by a cursor; one Bundle per type and per {@link #DELETIONS_PER_BUNDLE}
 * ids, files rolled like the output files.
 */
final class DeletedFiles {

  /** Entries per deletion Bundle: keeps one Bundle (one NDJSON line) small. */
  static final int DELETIONS_PER_BUNDLE = 1000;

  private final Path dir;
  private final IParser parser;
  private final int maxResourcesPerFile;
  private final List<DeletedFile> finished = new ArrayList<>();
  private Writer writer;
  private String fileName;
  private long lines;
  private long deletions;

  private DeletedFiles(Path dir, IParser parser, int maxResourcesPerFile) {
    this.dir = dir;
    this.parser = parser;
    this.maxResourcesPerFile = maxResourcesPerFile;
  }

  /** Writes the files into {@code dir}, in the snapshot transaction of {@code c}. */
  static List<DeletedFile> write(
      Connection c,
      Request request,
      Path dir,
      Control control,
      IParser parser,
      int fetchSize,
      int maxResourcesPerFile)
      throws SQLException, IOException {
    DeletedFiles files = new DeletedFiles(dir, parser, maxResourcesPerFile);
    try {
      for (ExportedType type : request.types()) {
        if (control.cancelled()) {
          throw new CancellationException();
        }
        try (PreparedStatement ps =
            c.prepareStatement(type.deletedSql(request.patientIds() != null))) {
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

  private void write(IBaseResource bundle, int entries) throws IOException {
    if (writer == null) {
      fileName = "Bundle.deleted." + (finished.size() + 1) + ".ndjson";
      writer =
          new BufferedWriter(
              new OutputStreamWriter(
                  Files.newOutputStream(dir.resolve(fileName)), StandardCharsets.UTF_8),
              1 << 16);
    }
    writer.write(parser.encodeResourceToString(bundle));
    writer.write('\n');
    deletions += entries;
    if (++lines >= maxResourcesPerFile) {
      close();
    }
  }

  private void close() throws IOException {
    if (writer != null) {
      writer.close();
      finished.add(new DeletedFile(fileName, lines, deletions));
      writer = null;
      lines = 0;
      deletions = 0;
    }
  }
}
