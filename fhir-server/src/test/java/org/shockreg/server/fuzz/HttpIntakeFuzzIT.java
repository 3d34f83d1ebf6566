package org.shockreg.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The intake fuzz over real HTTP ({@code POST /ingest/{site}}), fewer tries than
 * {@link IntakeFuzzIT}: the servlet layer, content types and the answer's shape. Never a 5xx;
 * 200 with a {@code Parameters} whose counts add up, or a 4xx with an OperationOutcome.
 */
@AddLifecycleHook(FuzzTries.class)
class HttpIntakeFuzzIT {

  private static final AtomicInteger sites = new AtomicInteger();

  static final String[] CONTENT_TYPES = {
    "", "application/fhir+json", "application/json", "application/fhir+ndjson", "application/x-ndjson",
    "text/plain", "application/fhir+json; charset=ISO-8859-1", "application/ndjson; charset=utf-8",
    "application/xml", "multipart/form-data; boundary=x", "*/*", "application/fhir+json;fhirVersion=4.0"
  };

  record Post(FuzzBodies.Body body, String contentType) {}

  @Provide
  Arbitrary<Post> posts() {
    return Arbitraries.oneOf(FuzzBodies.ndjson(), FuzzBodies.bundle())
        .flatMap(
            b ->
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, Arbitraries.just(b.contentType())),
                        net.jqwik.api.Tuple.of(1, Arbitraries.of(CONTENT_TYPES)))
                    .map(ct -> new Post(b, ct)));
  }

  @Property(tries = 40)
  void ingest_neverAnswers5xx(@ForAll("posts") Post post) throws Exception {
    FuzzServer server = FuzzServer.get();
    HttpResponse<String> res =
        server.post("/ingest/fzh-" + sites.incrementAndGet(), post.contentType(), post.body().bytes());
    assertThat(res.statusCode()).as("status of %s: %s", post.contentType(), res.body()).isLessThan(500);
    assertThat(res.statusCode()).as("the fuzzer's token is refused: %s", res.body()).isNotIn(401, 403);
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
      assertThat(res.body()).as("no stack trace in an answer").doesNotContain("\tat ", "Exception:");
    }
  }
}
