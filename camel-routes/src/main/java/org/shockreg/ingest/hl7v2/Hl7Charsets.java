package org.shockreg.ingest.hl7v2;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * MSH-18 (HL7 table 0211) to Java charsets, and decoding a frame's bytes before parsing: the
 * segment delimiters and MSH up to MSH-18 are ASCII in every supported charset, so MSH-18 can be
 * read from the bytes themselves.
 */
final class Hl7Charsets {

  private static final Map<String, Charset> BY_NAME =
      Map.ofEntries(
          Map.entry("ASCII", StandardCharsets.US_ASCII),
          Map.entry("ISO IR6", StandardCharsets.US_ASCII),
          Map.entry("8859/1", StandardCharsets.ISO_8859_1),
          Map.entry("ISO IR100", StandardCharsets.ISO_8859_1),
          Map.entry("8859/2", Charset.forName("ISO-8859-2")),
          Map.entry("8859/3", Charset.forName("ISO-8859-3")),
          Map.entry("8859/4", Charset.forName("ISO-8859-4")),
          Map.entry("8859/5", Charset.forName("ISO-8859-5")),
          Map.entry("8859/6", Charset.forName("ISO-8859-6")),
          Map.entry("8859/7", Charset.forName("ISO-8859-7")),
          Map.entry("8859/8", Charset.forName("ISO-8859-8")),
          Map.entry("8859/9", Charset.forName("ISO-8859-9")),
          Map.entry("8859/15", Charset.forName("ISO-8859-15")),
          Map.entry("UNICODE UTF-8", StandardCharsets.UTF_8),
          Map.entry("ISO IR192", StandardCharsets.UTF_8),
          // "UNICODE" alone predates the UTF names; senders using it today mean UTF-8
          Map.entry("UNICODE", StandardCharsets.UTF_8),
          Map.entry("UTF-8", StandardCharsets.UTF_8),
          Map.entry("WINDOWS-1252", Charset.forName("windows-1252")));

  private Hl7Charsets() {}

  /** A decoded frame: its text and the charset it was read in (the ACK is written in it too). */
  record Decoded(String text, Charset charset, String msh18) {}

  /** Thrown for an MSH-18 this listener does not know: the message is answered AR. */
  static final class UnknownCharset extends Exception {
    UnknownCharset(String name) {
      super(
          "MSH-18 character set '"
              + name
              + "' is not supported (ASCII, 8859/1-9, 8859/15, UNICODE UTF-8)");
    }
  }

  static Decoded decode(byte[] frame, String defaultCharset) throws UnknownCharset {
    String msh18 = msh18(frame);
    if (msh18 != null && !msh18.isBlank()) {
      Charset cs = BY_NAME.get(msh18.trim().toUpperCase(Locale.ROOT));
      if (cs == null) {
        throw new UnknownCharset(msh18.trim());
      }
      return new Decoded(new String(frame, cs), cs, msh18.trim());
    }
    Charset fallback =
        BY_NAME.getOrDefault(defaultCharset.toUpperCase(Locale.ROOT), StandardCharsets.UTF_8);
    if (fallback == StandardCharsets.UTF_8) {
      try {
        // Undeclared UTF-8 is common; bytes that are not UTF-8 are most likely Latin-1.
        String text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(frame))
                .toString();
        return new Decoded(text, StandardCharsets.UTF_8, null);
      } catch (CharacterCodingException e) {
        return new Decoded(
            new String(frame, StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1, null);
      }
    }
    return new Decoded(new String(frame, fallback), fallback, null);
  }

  /** MSH-18 read from the raw bytes (null when the frame has no MSH or no MSH-18). */
  static String msh18(byte[] frame) {
    String ascii = new String(frame, StandardCharsets.ISO_8859_1);
    int start = ascii.indexOf("MSH");
    if (start < 0 || ascii.length() < start + 4) {
      return null;
    }
    char fieldSep = ascii.charAt(start + 3);
    int end = start;
    while (end < ascii.length() && ascii.charAt(end) != '\r' && ascii.charAt(end) != '\n') {
      end++;
    }
    String[] fields =
        ascii
            .substring(start, end)
            .split(java.util.regex.Pattern.quote(String.valueOf(fieldSep)), -1);
    // fields[0] = "MSH", fields[1] = MSH-2, so MSH-n is fields[n - 1]
    if (fields.length < 18) {
      return null;
    }
    String value = fields[17];
    if (fields.length > 1 && !fields[1].isEmpty()) {
      // only the first repetition / component names the charset
      char rep = fields[1].length() > 1 ? fields[1].charAt(1) : '~';
      char comp = fields[1].charAt(0);
      int cut = value.length();
      for (int i = 0; i < value.length(); i++) {
        if (value.charAt(i) == rep || value.charAt(i) == comp) {
          cut = i;
          break;
        }
      }
      value = value.substring(0, cut);
    }
    return value;
  }
}
