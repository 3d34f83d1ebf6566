package org.shockreg.server.crash;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.ingest.demo.SyntheticCohortGenerator;

/**
 * The crash drill's source data: the seeded synthetic cohort (three demo sites, patients with
 * encounters, conditions, measurements and procedures) as NDJSON files of about {@code
 * chunkResources} resources each, one site per file, always cut at a patient boundary. The list
 * order is the posting order (the order the generator emits).
 */
public final class SourceChunks {

  /** One NDJSON body for {@code POST /ingest/{site}}. */
  public record Chunk(int index, String site, Path file, int resources, int patients) {}

  private static final class Stop extends RuntimeException {
    Stop() {
      super(null, null, false, false);
    }
  }

  private SourceChunks() {}

  /** Generates patients until at least {@code targetResources} resources are emitted. */
  public static List<Chunk> generate(long seed, int targetResources, int chunkResources, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    IParser parser = FhirContext.forR4Cached().newJsonParser().setPrettyPrint(false);
    Map<String, ByteArrayOutputStream> open = new LinkedHashMap<>();
    Map<String, int[]> counts = new LinkedHashMap<>(); // site -> {resources, patients}
    List<Chunk> chunks = new ArrayList<>();
    int[] total = {0};
    try {
      new SyntheticCohortGenerator(seed)
          .generate(
              Integer.MAX_VALUE,
              (site, resource) -> {
                if (resource instanceof Patient) {
                  if (total[0] >= targetResources) {
                    throw new Stop();
                  }
                  int[] c = counts.get(site);
                  if (c != null && c[0] >= chunkResources) {
                    flush(site, open, counts, chunks, dir);
                  }
                  counts.computeIfAbsent(site, s -> new int[2])[1]++;
                }
                ByteArrayOutputStream out =
                    open.computeIfAbsent(site, s -> new ByteArrayOutputStream(1 << 20));
                out.writeBytes(
                    parser.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                counts.computeIfAbsent(site, s -> new int[2])[0]++;
                total[0]++;
              });
    } catch (Stop enough) {
      // reached the target at a patient boundary
    }
    for (String site : new ArrayList<>(open.keySet())) {
      flush(site, open, counts, chunks, dir);
    }
    return List.copyOf(chunks);
  }

  public static int resources(List<Chunk> chunks) {
    return chunks.stream().mapToInt(Chunk::resources).sum();
  }

  private static void flush(
      String site,
      Map<String, ByteArrayOutputStream> open,
      Map<String, int[]> counts,
      List<Chunk> chunks,
      Path dir) {
    ByteArrayOutputStream body = open.remove(site);
    int[] c = counts.remove(site);
    if (body == null || c == null || c[0] == 0) {
      return;
    }
    int index = chunks.size();
    Path file = dir.resolve(String.format("%05d-%s.ndjson", index, site));
    try {
      Files.write(file, body.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    chunks.add(new Chunk(index, site, file, c[0], c[1]));
  }
}
