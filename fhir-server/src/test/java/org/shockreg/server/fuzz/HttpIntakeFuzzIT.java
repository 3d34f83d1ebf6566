package org.shockreg.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The intake fuzz over real HTTP ({@code POST /ingest/{site}}), fewer tries than {@link
 * IntakeFuzzIT}: the servlet layer, content types and the answer's shape. Never a 5xx; 200 with a
 * {@code Parameters} whose counts add up, or a 4xx with an OperationOutcome. A hang fails on the
 * client's 60 s timeout. Tries, seeds and replay: {@link FuzzTries}.
 */
class HttpIntakeFuzzIT {

  private static final AtomicInteger sites = new AtomicInteger();

  static final String[] CONTENT_TYPES = {
    "",
    "application/fhir+json",
    "application/json",
    "application/fhir+ndjson",
    "application/x-ndjson",
    "text/plain",
    "application/fhir+json; charset=ISO-8859-1",
    "application/ndjson; charset=utf-8",
    "application/xml",
    "multipart/form-data; boundary=x",
    "*/*",
    "application/fhir+json;fhirVersion=4.0"
  };

  record Post(FuzzBodies.Body body, String contentType) {
    @Override
    public String toString() {
      return "Content-Type '" + contentType + "', " + body;
    }
  }

  /** Half NDJSON, half JSON; one in five sent with another content type than its own. */
  static Post post(RandomGenerator random) {
    FuzzBodies.Body body =
        random.nextBoolean() ? FuzzBodies.ndjson(random) : FuzzBodies.bundle(random);
    String contentType =
        random.nextInt(5) < 4
            ? body.contentType()
            : CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
    return new Post(body, contentType);
  }

  @TestFactory
  Stream<DynamicTest> ingest_neverAnswers5xx() {
    return FuzzTries.of(
        "HttpIntakeFuzzIT.ingest_neverAnswers5xx",
        40,
        HttpIntakeFuzzIT::post,
        HttpIntakeFuzzIT::check);
  }

  static void check(Post post) throws Exception {
    FuzzServer server = FuzzServer.get();
    HttpResponse<String> res =
        server.post(
            "/ingest/fzh-" + sites.incrementAndGet(), post.contentType(), post.body().bytes());
    assertThat(res.statusCode())
        .as("status of %s: %s", post.contentType(), res.body())
        .isLessThan(500);
    assertThat(res.statusCode())
        .as("the fuzzer's token is refused: %s", res.body())
        .isNotIn(401, 403);
    JsonNode answer = Seeds.JSON.readTree(res.body());
    if (res.statusCode() == 200) {
      assertThat(answer.path("resourceType").asText()).isEqualTo("Parameters");
      int received = 0;
      int outcomes = 0;
      for (JsonNode p : answer.path("parameter")) {
        if (p.has("valueInteger")) {
          if ("received".equals(p.path("name").asText())) {
            received = p.get("valueInteger").asInt();
          } else {
            outcomes += p.get("valueInteger").asInt();
          }
        }
      }
      assertThat(received).as("received = sum of outcomes: %s", res.body()).isEqualTo(outcomes);
    } else {
      assertThat(res.statusCode()).isBetween(400, 499);
      assertThat(answer.path("resourceType").asText()).as(res.body()).isEqualTo("OperationOutcome");
      assertThat(res.body())
          .as("no stack trace in an answer")
          .doesNotContain("\tat ", "Exception:");
    }
  }
}
