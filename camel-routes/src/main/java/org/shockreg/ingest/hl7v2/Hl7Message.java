package org.shockreg.ingest.hl7v2;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.parser.GenericModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.NoValidation;
import java.util.ArrayList;
import java.util.List;

/**
 * One HL7 v2 message parsed by HAPI's generic model: every version 2.3-2.8 alike, Z-segments and
 * repeating segments kept, escape sequences decoded. The registry reads segments in order and
 * fields by position, so no version's structure classes are needed (docs/hl7v2.md).
 */
final class Hl7Message {

  private static final HapiContext HAPI = newContext();

  private final List<Seg> segments;

  private Hl7Message(List<Seg> segments) {
    this.segments = segments;
  }

  private static HapiContext newContext() {
    HapiContext ctx = new DefaultHapiContext();
    ctx.setValidationContext(new NoValidation());
    ctx.setModelClassFactory(new GenericModelClassFactory());
    return ctx;
  }

  /** Thrown when the text is no HL7 v2 message (answered AR). */
  static final class Unparseable extends Exception {
    Unparseable(String message) {
      super(message);
    }
  }

  /** Parses decoded text; CR, LF and CRLF all end a segment. */
  static Hl7Message parse(String text) throws Unparseable {
    String normalized = text.replace("\r\n", "\r").replace('\n', '\r').strip();
    if (!normalized.startsWith("MSH")) {
      throw new Unparseable("the frame does not start with an MSH segment");
    }
    Message m;
    try {
      PipeParser parser = HAPI.getPipeParser();
      m = parser.parse(normalized);
    } catch (HL7Exception | RuntimeException e) {
      // HAPI's messages may quote field values: keep the class only
      throw new Unparseable(
          "the message cannot be parsed as HL7 v2 (" + e.getClass().getSimpleName() + ")");
    }
    List<Seg> out = new ArrayList<>();
    int[] counter = new int[1];
    try {
      collect(m, out, new java.util.HashMap<>(), counter);
    } catch (HL7Exception e) {
      throw new Unparseable(
          "the message structure cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return new Hl7Message(out);
  }

  private static void collect(
      Group g, List<Seg> out, java.util.Map<String, Integer> seen, int[] counter)
      throws HL7Exception {
    for (String name : g.getNames()) {
      for (Structure s : g.getAll(name)) {
        if (s instanceof Segment seg) {
          int n = seen.merge(seg.getName(), 1, Integer::sum);
          out.add(new Seg(seg, n, ++counter[0]));
        } else if (s instanceof Group child) {
          collect(child, out, seen, counter);
        }
      }
    }
  }

  List<Seg> segments() {
    return segments;
  }

  List<Seg> all(String name) {
    return segments.stream().filter(s -> s.name().equals(name)).toList();
  }

  Seg first(String name) {
    for (Seg s : segments) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  Seg msh() {
    return segments.get(0);
  }

  String version() {
    return msh().get(12);
  }

  /**
   * One segment with field access by position. {@code occurrence} counts segments of its name (the
   * 3rd OBX is 3), {@code position} all segments of the message (MSH is 1).
   */
  record Seg(Segment segment, int occurrence, int position) {

    String name() {
      return segment.getName();
    }

    /** Component 1 of the first repetition; null when empty. */
    String get(int field) {
      return get(field, 0, 1, 1);
    }

    String get(int field, int component) {
      return get(field, 0, component, 1);
    }

    String get(int field, int rep, int component) {
      return get(field, rep, component, 1);
    }

    /** A value by position, escape sequences decoded; null when absent (nothing is created). */
    String get(int field, int rep, int component, int sub) {
      if (reps(field) <= rep) {
        return null;
      }
      try {
        String v = Terser.get(segment, field, rep, component, sub);
        return v == null || v.isEmpty() || "\"\"".equals(v) ? null : v;
      } catch (HL7Exception | RuntimeException e) {
        return null;
      }
    }

    int reps(int field) {
      try {
        if (field > segment.numFields()) {
          return 0;
        }
        Type[] r = segment.getField(field);
        return r.length;
      } catch (HL7Exception | RuntimeException e) {
        return 0;
      }
    }

    /**
     * The first repetition's components 1-3 re-encoded ({@code NS^UID^TYPE}), for echoing HD fields
     * such as MSH-3..6 in an ACK.
     */
    String encoded(int field) {
      StringBuilder s = new StringBuilder();
      for (int c = 1; c <= 3; c++) {
        String v = get(field, 0, c, 1);
        s.append(c > 1 ? "^" : "").append(v == null ? "" : Ack.escape(v));
      }
      String out = s.toString().replaceAll("\\^+$", "");
      return out.isEmpty() ? null : out;
    }
  }
}
