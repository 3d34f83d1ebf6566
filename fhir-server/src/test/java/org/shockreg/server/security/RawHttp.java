package org.shockreg.server.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, so a request target goes out byte for byte as written ({@code //},
 * {@code /./}, {@code ;}, {@code %2F}): a client library would normalise or refuse some.
 */
public final class RawHttp {

  public record Response(int status, String head, String body) {}

  private RawHttp() {}

  public static Response send(int port, String method, String target, String token)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      StringBuilder req = new StringBuilder();
      req.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      req.append("Host: localhost:").append(port).append("\r\n");
      req.append("Accept: application/fhir+json\r\n");
      if (token != null) {
        req.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      req.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String body = split < 0 ? "" : text.substring(split + 4);
      int status = Integer.parseInt(head.substring(9, 12));
      return new Response(status, head, body);
    }
  }
}
