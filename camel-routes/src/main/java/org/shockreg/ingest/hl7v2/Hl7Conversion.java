package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.ingest.hl7v2.Hl7Message.Seg;

/**
 * The FHIR resources one HL7 message becomes, in intake order (the Patient first), each with the
 * segment it came from: an intake issue on resource {@code i} is reported in the ACK's ERR at
 * {@code location(i)}.
 */
final class Hl7Conversion {

  /** Where a resource came from: segment name, its occurrence, the field an error points at. */
  record Location(String segment, int occurrence, int field) {}

  private final List<ObjectNode> resources = new ArrayList<>();
  private final List<Location> locations = new ArrayList<>();

  void add(ObjectNode resource, Seg from, int field) {
    if (resource != null) {
      resources.add(resource);
      locations.add(new Location(from.name(), from.occurrence(), field));
    }
  }

  List<ObjectNode> resources() {
    return resources;
  }

  Location location(int index) {
    return index >= 0 && index < locations.size() ? locations.get(index) : null;
  }

  boolean isEmpty() {
    return resources.isEmpty();
  }

  /** The resources as NDJSON, the body the intake pipeline takes in. */
  byte[] ndjson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ObjectNode r : resources) {
      out.writeBytes(r.toString().getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return out.toByteArray();
  }
}
