package org.shockreg.server.bulk;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.shockreg.server.bulk.NdjsonExporter.OutputFile;

/**
 * The output files of one export, {@code <type>.<n>.ndjson}: per-type sequence numbers shared by
 * the threads, each thread's {@link RollingFile}s, and the list of finished files.
 */
final class NdjsonOutput {
  private final Path dir;
  private final int maxResourcesPerFile;
  private final Map<ExportedType, AtomicInteger> sequences = new EnumMap<>(ExportedType.class);
  private final List<OutputFile> files = Collections.synchronizedList(new ArrayList<>());

  NdjsonOutput(Path dir, int maxResourcesPerFile) {
    this.dir = dir;
    this.maxResourcesPerFile = maxResourcesPerFile;
    for (ExportedType t : ExportedType.values()) {
      sequences.put(t, new AtomicInteger());
    }
  }

  /** A new file series of one type for one thread. */
  RollingFile rollingFile(ExportedType type) {
    return new RollingFile(type);
  }

  List<OutputFile> files() {
    List<OutputFile> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(OutputFile::type).thenComparingInt(OutputFile::sequence));
    return sorted;
  }

  long total() {
    return files.stream().mapToLong(OutputFile::count).sum();
  }

  /**
   * One thread's NDJSON file of one type: opened on the first resource, closed and replaced by the
   * next file after {@code maxResourcesPerFile} lines.
   */
  final class RollingFile {
    private final ExportedType type;
    private OutputStream stream;
    private int sequence;
    private String fileName;
    private long lines;

    private RollingFile(ExportedType type) {
      this.type = type;
    }

    /** One resource's JSON (UTF-8, no line end) as one NDJSON line. */
    void write(byte[] json) throws IOException {
      if (stream == null) {
        sequence = sequences.get(type).incrementAndGet();
        fileName = type.resourceType() + "." + sequence + ".ndjson";
        stream = new BufferedOutputStream(Files.newOutputStream(dir.resolve(fileName)), 1 << 16);
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
        files.add(new OutputFile(type, sequence, fileName, lines));
        stream = null;
        lines = 0;
      }
    }
  }
}
