package org.shockreg.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.shockreg.registry.testing.TestDatabase;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * What the ITs against the application on a random port share, so each IT holds only its own
 * scenario: a fresh data dir under {@code target/}, the database and static bearer tokens as Spring
 * properties, and plain HTTP calls with a bearer token (the HAPI client is no help for intake, raw
 * status codes and headers).
 */
public abstract class IntegrationTestSupport {

  /** The media type of an intake body of FHIR resources, one per line. */
  public static final String NDJSON = "application/fhir+ndjson";

  @LocalServerPort protected int port;
  protected final HttpClient http = HttpClient.newHttpClient();
  protected final FhirContext fhir = FhirContext.forR4Cached();

  // ---- set-up

  /**
   * A new, empty data dir {@code target/it-data-*} (absolute: the app resolves it from its own
   * cwd).
   */
  public static Path newDataDir() {
    return newDataDir("it-data-");
  }

  /** A new, empty data dir {@code target/<prefix>*}. */
  public static Path newDataDir(String prefix) {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      return Files.createTempDirectory(target, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The test database and the data dir as the app's properties. */
  public static void registerServer(DynamicPropertyRegistry registry, Path dataDir) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", dataDir::toString);
  }

  /** A static bearer token ({@code shockreg.security.tokens[index]}) with its role. */
  public static void registerToken(
      DynamicPropertyRegistry registry, int index, String token, String role) {
    registry.add("shockreg.security.tokens[" + index + "].token", () -> token);
    registry.add("shockreg.security.tokens[" + index + "].role", () -> role);
  }

  /** No MLLP listener and no inbox polling: an IT that posts over HTTP only. */
  public static void registerHttpOnly(DynamicPropertyRegistry registry) {
    registry.add("shockreg.mllp.port", () -> "-1");
    registry.add("shockreg.inbox.enabled", () -> "false");
  }

  // ---- HTTP

  /**
   * {@code path} on this app, or {@code path} itself when it is already a URL (a next link, say).
   */
  protected String url(String path) {
    return path.startsWith("http") ? path : "http://localhost:" + port + path;
  }

  /** GET with the bearer token (none when null) and further headers as name, value pairs. */
  protected HttpResponse<String> get(String path, String token, String... headers)
      throws Exception {
    return send("GET", path, token, null, null, headers);
  }

  protected HttpResponse<String> post(
      String path, String contentType, String body, String token, String... headers)
      throws Exception {
    return send("POST", path, token, contentType, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  protected HttpResponse<String> post(
      String path, String contentType, byte[] body, String token, String... headers)
      throws Exception {
    return send("POST", path, token, contentType, body, headers);
  }

  /** Any method; {@code body} null sends none (and then no Content-Type). */
  protected HttpResponse<String> send(
      String method, String path, String token, String contentType, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(url(path)))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      req.header("Content-Type", contentType);
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      req.header(headers[i], headers[i + 1]);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  // ---- FHIR answers

  /**
   * HAPI's generic client on this app's {@code /fhir} with the bearer token (no metadata check).
   */
  protected IGenericClient fhirClient(String token) {
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    IGenericClient client = fhir.newRestfulGenericClient("http://localhost:" + port + "/fhir");
    client.registerInterceptor(new BearerTokenAuthInterceptor(token));
    return client;
  }

  /** The intake report (or any Parameters answer). */
  protected Parameters parameters(HttpResponse<String> res) {
    return fhir.newJsonParser().parseResource(Parameters.class, res.body());
  }

  /** An integer parameter of an intake report: received, curated, unchanged, ... */
  protected static int count(Parameters p, String name) {
    return ((IntegerType) p.getParameter(name).getValue()).getValue();
  }
}
