package org.shockreg.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Patient;
import org.shockreg.ingest.demo.SyntheticCohortGenerator;

/** The benchmark's input: the seeded synthetic cohort encoded as NDJSON bodies before timing. */
final class IngestInputs {

  private IngestInputs() {}

  /** One posted body: site and NDJSON bytes. */
  record Body(String siteId, byte[] ndjson, int resources) {}

  /**
   * Encodes the cohort as NDJSON bodies. {@code target > 0}: whole patients until at least that
   * many resources; {@code target < 0}: exactly {@code -target} patients.
   */
  static List<Body> generate(
      FhirContext fhir, long seed, int target, int bodyResources, String sitePrefix) {
    SyntheticCohortGenerator generator = new SyntheticCohortGenerator(seed);
    int patients;
    if (target < 0) {
      patients = -target;
    } else {
      long perHundred = Math.max(1, generator.countFor(100));
      patients = (int) Math.ceil(target * 100.0 / perHundred * 1.05) + 10;
    }
    while (true) {
      List<Body> bodies = encode(fhir, generator, patients, target, bodyResources, sitePrefix);
      int total = bodies.stream().mapToInt(Body::resources).sum();
      if (target < 0 || total >= target) {
        return bodies;
      }
      patients = patients * 2;
    }
  }

  private static List<Body> encode(
      FhirContext fhir,
      SyntheticCohortGenerator generator,
      int patients,
      int target,
      int bodyResources,
      String sitePrefix) {
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    Map<String, ByteArrayOutputStream> open = new LinkedHashMap<>();
    Map<String, int[]> openCounts = new LinkedHashMap<>();
    List<Body> done = new ArrayList<>();
    int[] total = {0};
    boolean[] full = {false};
    generator.generate(
        patients,
        (site, resource) -> {
          if (full[0]) {
            return;
          }
          // Stop at the first patient boundary at or past the target: whole patients only.
          if (target > 0 && total[0] >= target && resource instanceof Patient) {
            full[0] = true;
            return;
          }
          String siteId =
              sitePrefix == null ? site : sitePrefix + site.substring(site.indexOf('-') + 1);
          ByteArrayOutputStream out =
              open.computeIfAbsent(siteId, s -> new ByteArrayOutputStream(1 << 20));
          int[] count = openCounts.computeIfAbsent(siteId, s -> new int[1]);
          out.writeBytes(parser.encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8));
          out.write('\n');
          count[0]++;
          total[0]++;
          if (bodyResources > 0 && count[0] >= bodyResources) {
            done.add(new Body(siteId, out.toByteArray(), count[0]));
            open.remove(siteId);
            openCounts.remove(siteId);
          }
        });
    for (Map.Entry<String, ByteArrayOutputStream> e : open.entrySet()) {
      done.add(new Body(e.getKey(), e.getValue().toByteArray(), openCounts.get(e.getKey())[0]));
    }
    return done;
  }
}
