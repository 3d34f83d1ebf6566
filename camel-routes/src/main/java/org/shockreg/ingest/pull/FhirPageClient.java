package org.shockreg.ingest.pull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.shockreg.ingest.pull.auth.AccessTokenProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs pages from one source: {@code Accept: application/fhir+json}, the {@code Authorization}
 * header asked for before every request, one retry after a 401 with a fresh token, and retries with
 * capped exponential backoff and jitter for timeouts, connection errors, 5xx and 429 (honouring
 * {@code Retry-After} seconds). What is left after the last attempt is a {@link TransientFailure};
 * any other answer is returned to the caller to judge.
 */
public class FhirPageClient {

  private static final Logger log = LoggerFactory.getLogger(FhirPageClient.class);

  /** Backoff: {@code initial * 2^(attempt-1)}, at most {@code max}, +-25 % jitter. */
  public record Retry(int maxAttempts, Duration initial, Duration max) {
    public static final Retry DEFAULT =
        new Retry(5, Duration.ofMillis(500), Duration.ofSeconds(30));

    Duration backoff(int attempt) {
      long base = initial.toMillis() << Math.min(attempt - 1, 20);
      long capped = Math.min(base, max.toMillis());
      long jitter = (long) (capped * 0.25 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
      return Duration.ofMillis(Math.max(0, capped + jitter));
    }
  }

  /** An answer: status and body. */
  public record Page(int status, String contentType, String body) {}

  /** The server could not be reached or kept failing after every attempt. */
  public static class TransientFailure extends IOException {
    public TransientFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Waits (production: sleeps); replaceable in unit tests. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final String sourceId;
  private final HttpClient http;
  private final AccessTokenProvider auth;
  private final Duration timeout;
  private final Retry retry;
  private final Sleeper sleeper;

  public FhirPageClient(
      String sourceId,
      HttpClient http,
      AccessTokenProvider auth,
      Duration timeout,
      Retry retry,
      Sleeper sleeper) {
    this.sourceId = sourceId;
    this.http = http;
    this.auth = auth;
    this.timeout = timeout;
    this.retry = retry;
    this.sleeper = sleeper;
  }

  /**
   * GETs {@code url}; returns the first answer that is neither a transient fault nor a 401 (after
   * one token renewal). Throws {@link TransientFailure} when every attempt failed transiently.
   */
  public Page get(String url) throws TransientFailure, InterruptedException {
    HttpResponse<String> res =
        send("GET", url, java.util.Map.of(), true, HttpResponse.BodyHandlers.ofString());
    return new Page(
        res.statusCode(), res.headers().firstValue("Content-Type").orElse(null), res.body());
  }

  /**
   * Sends one request with the same retries as {@link #get}: {@code Accept: application/fhir+json}
   * unless {@code headers} say otherwise, the {@code Authorization} header (when {@code authorize})
   * asked for before every attempt, one renewal after a 401. Returns the first answer that is
   * neither transient nor a first 401.
   */
  public <T> HttpResponse<T> send(
      String method,
      String url,
      java.util.Map<String, String> headers,
      boolean authorize,
      HttpResponse.BodyHandler<T> handler)
      throws TransientFailure, InterruptedException {
    boolean reauthorized = false;
    String lastProblem = null;
    Throwable lastCause = null;
    for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
      Duration wait = null;
      try {
        HttpRequest.Builder req =
            HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (!headers.containsKey("Accept")) {
          req.header("Accept", "application/fhir+json");
        }
        headers.forEach(req::header);
        if (authorize) {
          Optional<String> authorization = auth.authorization();
          authorization.ifPresent(h -> req.header("Authorization", h));
        }
        HttpResponse<T> res = http.send(req.build(), handler);
        int status = res.statusCode();
        if (status == 401 && authorize && !reauthorized) {
          // The token may have expired between asking and sending: renew once, do not count it.
          auth.invalidate();
          reauthorized = true;
          attempt--;
          log.info("event=pull_unauthorized source={} action=renew_token", sourceId);
          continue;
        }
        if (status == 429 || status >= 500) {
          lastProblem = "HTTP " + status + " from " + LoggedUrl.of(url);
          lastCause = null;
          wait = retryAfter(res).orElse(null);
        } else {
          return res;
        }
      } catch (HttpTimeoutException e) {
        lastProblem = "timeout after " + timeout.toMillis() + " ms from " + LoggedUrl.of(url);
        lastCause = e;
      } catch (IOException e) {
        lastProblem =
            "connection error "
                + e.getClass().getSimpleName()
                + " "
                + e.getMessage()
                + " from "
                + LoggedUrl.of(url);
        lastCause = e;
      } catch (RuntimeException e) {
        // The token provider could not get a token: worth another try like a network fault.
        lastProblem = "authorization failed: " + e.getMessage();
        lastCause = e;
      }
      if (attempt == retry.maxAttempts()) {
        break;
      }
      Duration backoff = retry.backoff(attempt);
      if (wait != null) {
        wait = wait.compareTo(retry.max()) > 0 ? retry.max() : wait;
        backoff = wait.compareTo(backoff) > 0 ? wait : backoff;
      }
      log.warn(
          "event=pull_retry source={} attempt={} of={} backoffMs={} problem=\"{}\"",
          sourceId,
          attempt,
          retry.maxAttempts(),
          backoff.toMillis(),
          lastProblem);
      sleeper.sleep(backoff);
    }
    throw new TransientFailure(
        lastProblem + " (after " + retry.maxAttempts() + " attempts)", lastCause);
  }

  Sleeper sleeper() {
    return sleeper;
  }

  static Optional<Duration> retryAfter(HttpResponse<?> res) {
    return res.headers()
        .firstValue("Retry-After")
        .flatMap(
            v -> {
              try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
              } catch (NumberFormatException e) {
                return Optional.empty(); // an HTTP date: use our own backoff
              }
            });
  }
}
