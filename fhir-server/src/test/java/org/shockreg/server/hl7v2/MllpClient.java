package org.shockreg.server.hl7v2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A plain MLLP client over a real socket, byte for byte: frames ({@code <VT> message <FS><CR>}) in
 * any charset, garbage, half frames. One connection, several messages.
 */
final class MllpClient implements AutoCloseable {

  static final byte VT = 0x0b;
  static final byte FS = 0x1c;
  static final byte CR = 0x0d;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  MllpClient(int port) throws IOException {
    this(port, 60_000);
  }

  /** A client that gives up on an ACK after {@code timeoutMillis}. */
  MllpClient(int port, int timeoutMillis) throws IOException {
    socket = new Socket("localhost", port);
    socket.setSoTimeout(timeoutMillis);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends one frame and reads the ACK frame, decoded in {@code charset}. */
  String send(byte[] message, Charset charset) throws IOException {
    out.write(VT);
    out.write(message);
    out.write(FS);
    out.write(CR);
    out.flush();
    return new String(readFrame(), charset);
  }

  String send(String message) throws IOException {
    return send(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /** Writes raw bytes (e.g. the start of a frame) without waiting for anything. */
  void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  private byte[] readFrame() throws IOException {
    int b;
    while ((b = in.read()) != VT) {
      if (b < 0) {
        throw new IOException("connection closed before an ACK");
      }
    }
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    while (true) {
      b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside an ACK");
      }
      if (b == FS) {
        in.read(); // CR
        return frame.toByteArray();
      }
      frame.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Field {@code n} (1-based, MSH counted as HL7 does) of the first segment named {@code name}. */
  static String field(String message, String name, int n) {
    for (String segment : message.split("\r")) {
      if (segment.startsWith(name + "|")) {
        String[] f = segment.split("\\|", -1);
        int i = "MSH".equals(name) ? n - 1 : n;
        return i < f.length ? f[i] : "";
      }
    }
    return null;
  }

  /** All segments named {@code name}. */
  static java.util.List<String> segments(String message, String name) {
    return java.util.Arrays.stream(message.split("\r"))
        .filter(s -> s.startsWith(name + "|"))
        .toList();
  }
}
