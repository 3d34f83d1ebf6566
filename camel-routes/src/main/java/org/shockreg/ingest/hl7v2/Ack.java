package org.shockreg.ingest.hl7v2;

import ca.uhn.hl7v2.parser.EncodingCharacters;
import ca.uhn.hl7v2.parser.Escape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An original-mode ACK: MSH (sender and receiver swapped, same version and charset), MSA (code,
 * MSH-10 of the message), and one ERR per problem: ERR-2 location, ERR-3 HL7 table 0357 code, ERR-4
 * severity, ERR-8 text; messages before v2.5 also get ERR-1.
 */
final class Ack {

  static final String AA = "AA";
  static final String AE = "AE";
  static final String AR = "AR";

  private static final EncodingCharacters ENC = new EncodingCharacters('|', "^~\\&");
  private static final AtomicLong SEQUENCE = new AtomicLong();

  /**
   * One ERR: where ({@code segment} occurrence {@code field}; all may be null), which HL7 code,
   * why.
   */
  record Error(String segment, int occurrence, int field, String hl7Code, String text) {}

  private Ack() {}

  /** HL7 table 0357 texts of the codes used. */
  static String codeText(String code) {
    return switch (code) {
      case "100" -> "Segment sequence error";
      case "101" -> "Required field missing";
      case "102" -> "Data type error";
      case "103" -> "Table value not found";
      case "200" -> "Unsupported message type";
      case "201" -> "Unsupported event code";
      case "203" -> "Unsupported version id";
      case "204" -> "Unknown key identifier";
      default -> "Application internal error";
    };
  }

  /**
   * The ACK text (segments ended by CR). {@code msh} holds MSH-3..MSH-12 and MSH-18 of the message
   * as far as they could be read (any may be null for an unparseable frame).
   */
  static String build(Header msh, String code, String text, List<Error> errors) {
    String version = msh.version() == null ? "2.5.1" : msh.version();
    StringBuilder s = new StringBuilder();
    s.append("MSH|^~\\&|")
        // applications and facilities are echoed as sent (encoded), with their components
        .append(r(msh.receivingApplication()))
        .append('|')
        .append(r(msh.receivingFacility()))
        .append('|')
        .append(r(msh.sendingApplication()))
        .append('|')
        .append(r(msh.sendingFacility()))
        .append('|')
        .append(Hl7Time.now())
        .append("||ACK^")
        .append(n(msh.event()))
        .append("^ACK|")
        .append("SR")
        .append(System.currentTimeMillis())
        .append('-')
        .append(SEQUENCE.incrementAndGet())
        .append('|')
        .append(msh.processingId() == null ? "P" : msh.processingId())
        .append('|')
        .append(version);
    if (msh.charset() != null) {
      s.append("||||||").append(msh.charset());
    }
    s.append('\r');
    s.append("MSA|").append(code).append('|').append(n(msh.controlId()));
    if (text != null) {
      s.append('|').append(escape(text));
    }
    s.append('\r');
    boolean old =
        version.startsWith("2.3") || version.startsWith("2.4") || version.startsWith("2.2");
    for (Error e : errors) {
      List<String> fields = new ArrayList<>();
      String where =
          e.segment() == null
              ? ""
              : e.segment() + "^" + e.occurrence() + (e.field() > 0 ? "^" + e.field() : "");
      // ERR-1 (before v2.5): segment^sequence^field^code&text&HL70357
      fields.add(
          old
              ? where
                  + (where.isEmpty() ? "" : "^")
                  + e.hl7Code()
                  + "&"
                  + codeText(e.hl7Code())
                  + "&HL70357"
              : "");
      fields.add(where);
      fields.add(e.hl7Code() + "^" + codeText(e.hl7Code()) + "^HL70357");
      fields.add("E");
      fields.add("");
      fields.add("");
      fields.add("");
      fields.add(escape(e.text()));
      s.append("ERR|").append(String.join("|", fields)).append('\r');
    }
    return s.toString();
  }

  private static String r(String s) {
    return s == null ? "" : s.replace('\r', ' ').replace('\n', ' ');
  }

  private static String n(String s) {
    return s == null ? "" : escape(s);
  }

  static String escape(String text) {
    return text == null ? "" : Escape.escape(text.replace('\r', ' ').replace('\n', ' '), ENC);
  }

  /** The parts of the message's MSH an ACK echoes. */
  record Header(
      String sendingApplication,
      String sendingFacility,
      String receivingApplication,
      String receivingFacility,
      String event,
      String controlId,
      String processingId,
      String version,
      String charset) {

    static Header of(Hl7Message m) {
      Hl7Message.Seg msh = m.msh();
      return new Header(
          msh.encoded(3),
          msh.encoded(4),
          msh.encoded(5),
          msh.encoded(6),
          msh.get(9, 2),
          msh.get(10),
          msh.get(11),
          msh.get(12),
          msh.get(18));
    }

    /** Best effort for a frame HAPI cannot parse: split the first segment on '|'. */
    static Header ofUnparsed(String text) {
      if (text == null || !text.startsWith("MSH") || text.length() < 4) {
        return new Header(null, null, null, null, null, null, null, null, null);
      }
      int end = text.indexOf('\r');
      int lf = text.indexOf('\n');
      if (end < 0 || (lf >= 0 && lf < end)) {
        end = lf;
      }
      String line = end < 0 ? text : text.substring(0, end);
      String[] f = line.split(java.util.regex.Pattern.quote(String.valueOf(text.charAt(3))), -1);
      java.util.function.IntFunction<String> field =
          i -> i - 1 < f.length && !f[i - 1].isEmpty() ? f[i - 1] : null;
      String event = field.apply(9);
      if (event != null && event.contains("^")) {
        String[] parts = event.split("\\^");
        event = parts.length > 1 ? parts[1] : null;
      } else {
        event = null;
      }
      String version = field.apply(12);
      return new Header(
          field.apply(3),
          field.apply(4),
          field.apply(5),
          field.apply(6),
          event,
          field.apply(10),
          field.apply(11),
          version != null && version.matches("2\\.[0-9.]{1,5}") ? version : null,
          field.apply(18));
    }
  }
}
