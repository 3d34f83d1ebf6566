package org.shockreg.server.trial;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP receiver of REST-hook notifications (the JDK's server on a fixed port): it records
 * every request, answers the statuses scripted for it (then 200), and can go down and come back on
 * the same port, as a hospital's notification gateway does.
 */
final class NotificationReceiver implements AutoCloseable {

  /** One request as received, and what it was answered. */
  record Received(String body, Map<String, List<String>> headers, int answered) {}

  private final int port;
  private final List<Received> received = new ArrayList<>();
  private final Deque<Integer> script = new ArrayDeque<>();
  private HttpServer server;

  NotificationReceiver(int port) {
    this.port = port;
  }

  static NotificationReceiver onFreePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return new NotificationReceiver(s.getLocalPort());
    }
  }

  String url(String path) {
    return "http://localhost:" + port + path;
  }

  synchronized NotificationReceiver up() throws IOException {
    if (server == null) {
      server = HttpServer.create(new InetSocketAddress("localhost", port), 50);
      server.createContext(
          "/",
          exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
              body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int status = answer(body, exchange.getRequestHeaders());
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
          });
      server.start();
    }
    return this;
  }

  /** Closes the port: connections are refused until {@link #up()}. */
  synchronized void down() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  /** The next requests are answered with these statuses, in order; then 200 again. */
  synchronized void answerNext(int... statuses) {
    for (int s : statuses) {
      script.add(s);
    }
  }

  private synchronized int answer(String body, Map<String, List<String>> headers) {
    Integer s = script.poll();
    int status = s == null ? 200 : s;
    received.add(new Received(body, Map.copyOf(headers), status));
    return status;
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  /** The bodies of the requests answered with a 2xx (the ones the receiver accepted). */
  synchronized List<String> accepted() {
    return received.stream().filter(r -> r.answered() / 100 == 2).map(Received::body).toList();
  }

  @Override
  public void close() {
    down();
  }
}
