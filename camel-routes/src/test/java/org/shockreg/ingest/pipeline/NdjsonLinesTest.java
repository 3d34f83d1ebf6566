package org.shockreg.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NdjsonLinesTest {

  static List<NdjsonLines.Line> lines(String text, long max, int keep) throws IOException {
    return lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max, keep);
  }

  static List<NdjsonLines.Line> lines(InputStream in, long max, int keep) throws IOException {
    NdjsonLines reader = new NdjsonLines(in, max, keep);
    List<NdjsonLines.Line> out = new ArrayList<>();
    NdjsonLines.Line l;
    while ((l = reader.next()) != null) {
      out.add(l);
    }
    return out;
  }

  @Test
  void splitsOnLf_dropsCr_keepsALastLineWithoutNewline_andEmptyLines() throws Exception {
    List<NdjsonLines.Line> l = lines("{\"a\":1}\r\n\n{\"b\":\"ü\"}\n  \n{\"c\":3}", 100, 10);
    assertThat(l)
        .extracting(NdjsonLines.Line::text)
        .containsExactly("{\"a\":1}", "", "{\"b\":\"ü\"}", "  ", "{\"c\":3}");
    assertThat(l)
        .extracting(NdjsonLines.Line::isBlank)
        .containsExactly(false, true, false, true, false);
    assertThat(l).noneMatch(NdjsonLines.Line::tooLong);
    assertThat(lines("", 100, 10)).isEmpty();
    assertThat(lines("x\n", 100, 10)).extracting(NdjsonLines.Line::text).containsExactly("x");
  }

  @Test
  void aLineOverTheLimit_keepsOnlyItsStart_andTheNextLineIsWhole() throws Exception {
    String longLine = "y".repeat(200_000); // spans several read chunks
    List<NdjsonLines.Line> l = lines("short\n" + longLine + "\nafter\n", 1000, 16);
    assertThat(l).hasSize(3);
    assertThat(l.get(1).tooLong()).isTrue();
    assertThat(l.get(1).length()).isEqualTo(200_000);
    assertThat(l.get(1).text()).isEqualTo("y".repeat(16));
    assertThat(l.get(1).isBlank()).isFalse();
    assertThat(l.get(2).text()).isEqualTo("after");
    // exactly at the limit is fine
    assertThat(lines("z".repeat(1000) + "\n", 1000, 16).get(0).tooLong()).isFalse();
  }

  @Test
  void anEndlessLine_isReadWithBoundedMemory() throws Exception {
    // 50 MB without a newline: only the kept start is held
    InputStream endless =
        new InputStream() {
          long left = 50L * 1024 * 1024;

          @Override
          public int read() {
            return left-- > 0 ? 'q' : -1;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (left <= 0) {
              return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'q');
            left -= n;
            return n;
          }
        };
    List<NdjsonLines.Line> l = lines(endless, 1024, 64);
    assertThat(l).hasSize(1);
    assertThat(l.get(0).tooLong()).isTrue();
    assertThat(l.get(0).bytes()).hasSize(64);
    assertThat(l.get(0).length()).isEqualTo(50L * 1024 * 1024);
  }
}
