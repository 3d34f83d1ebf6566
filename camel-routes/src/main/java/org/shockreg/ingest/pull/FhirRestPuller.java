package org.shockreg.ingest.pull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pull.PullSourcesProperties.PullSource;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of one {@code fhir-rest} source: per resource type, search from the watermark, follow
 * {@code next} to the end, take each page in through intake and only then move the watermark (the
 * rule: {@link LastUpdatedWatermark}).
 */
public class FhirRestPuller {

  private static final Logger log = LoggerFactory.getLogger(FhirRestPuller.class);
  public static final String CHANNEL_PULL = "pull";

  /** The counts of a run and how it ended, as {@code pull_run} records them ({@link PullStore}). */
  public static final class Progress {
    long resources;
    long pages;
    long errors;
    String lastError;
    boolean partial;
  }

  /** Called after each committed page (counts, metrics). */
  public interface Listener {
    void page(Progress progress, long resourcesInPage);

    void error(Progress progress);

    void watermark(String resourceType, Instant watermark);
  }

  private final String sourceId;
  private final PullSource source;
  private final String base;
  private final FhirPageClient client;
  private final PullStore store;
  private final IntakePipeline pipeline;
  private final RegistryWriter writer;
  private final ObjectMapper json;
  private final java.util.function.Function<String, List<String>> codeTokens;

  /** The search parameter of each type's own date, for servers that ignore _lastUpdated. */
  static final java.util.Map<String, String> DATE_PARAMS =
      java.util.Map.of(
          "Observation",
          "date",
          "Procedure",
          "date",
          "Encounter",
          "date",
          "Condition",
          "onset-date");

  /** Types whose searches returned data at or before the watermark: _lastUpdated is ignored. */
  final java.util.Set<String> ignoresLastUpdated =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param codeTokens the {@code system|code} tokens to filter a type's search on (when the source
   *     has {@code code-filter} on), from the active mapping rules
   */
  public FhirRestPuller(
      String sourceId,
      PullSource source,
      FhirPageClient client,
      PullStore store,
      IntakePipeline pipeline,
      RegistryWriter writer,
      ObjectMapper json,
      java.util.function.Function<String, List<String>> codeTokens) {
    this.codeTokens = codeTokens;
    this.sourceId = sourceId;
    this.source = source;
    this.base = source.baseUrl().replaceAll("/+$", "");
    this.client = client;
    this.store = store;
    this.pipeline = pipeline;
    this.writer = writer;
    this.json = json;
  }

  /**
   * Pulls every configured type. Throws {@link FhirPageClient.TransientFailure} when the source
   * stays unreachable (the run failed; watermarks stay where the last committed page left them).
   */
  public void run(Progress p, Listener listener)
      throws FhirPageClient.TransientFailure, InterruptedException {
    for (String type : source.types()) {
      pullType(type, p, listener);
    }
  }

  /** The first search URL of a type. */
  String firstUrl(String type, Instant watermark) {
    StringBuilder url = new StringBuilder(base).append('/').append(type).append('?');
    if (watermark != null) {
      url.append("_lastUpdated=").append(enc("gt" + format(watermark))).append('&');
    } else if (source.since() != null) {
      url.append("_lastUpdated=")
          .append(enc("ge" + format(PullSourcesValidator.parseSince(source.since()))))
          .append('&');
    }
    String dateParam = DATE_PARAMS.get(type);
    if (watermark != null && dateParam != null && ignoresLastUpdated.contains(type)) {
      // The server ignored _lastUpdated last time: narrow by the resource's own date instead
      // (data re-sent under an older clinical date is then missed; content hash dedupes the rest).
      url.append(dateParam).append('=').append(enc("gt" + format(watermark))).append('&');
    }
    List<String> codes = source.filtersCodes() ? codeTokens.apply(type) : List.of();
    if (!codes.isEmpty()) {
      url.append("code=").append(enc(String.join(",", codes))).append('&');
    }
    return url.append("_count=").append(source.count()).append("&_sort=_lastUpdated").toString();
  }

  private void pullType(String type, Progress p, Listener listener)
      throws FhirPageClient.TransientFailure, InterruptedException {
    Instant start = store.watermark(sourceId, type).orElse(null);
    // search again from a little before the watermark (late commits); the watermark itself only
    // moves forward
    Instant from = start == null ? null : start.minus(source.overlapOrDefault());
    LastUpdatedWatermark watermark = new LastUpdatedWatermark(start, from);
    String url = firstUrl(type, from);
    while (url != null) {
      FhirPageClient.Page page = client.get(url);
      p.pages++;
      if (page.status() == 401 || page.status() == 403) {
        // Not this page's fault: the source refuses us. The run fails, the watermark stays.
        throw new FhirPageClient.TransientFailure(
            "HTTP "
                + page.status()
                + " from "
                + LoggedUrl.of(url)
                + ": the source refuses our credentials",
            null);
      }
      if (page.status() != 200) {
        pageFault(
            p,
            listener,
            type,
            url,
            page,
            "pull-page-http-" + page.status(),
            "HTTP "
                + page.status()
                + " for a "
                + type
                + " page; cannot follow the rest of the search");
        return;
      }
      JsonNode root;
      try {
        root = json.readTree(page.body());
      } catch (JsonProcessingException e) {
        pageFault(
            p,
            listener,
            type,
            url,
            page,
            "pull-page-not-json",
            "a " + type + " page is not valid JSON: " + brief(e.getOriginalMessage()));
        return;
      }
      if (root == null || !"Bundle".equals(root.path("resourceType").asText())) {
        pageFault(
            p,
            listener,
            type,
            url,
            page,
            "pull-page-not-bundle",
            "a "
                + type
                + " page is not a Bundle ("
                + (root == null ? "empty" : root.path("resourceType").asText("no resourceType"))
                + ")");
        return;
      }

      StringBuilder ndjson = new StringBuilder();
      long n = 0;
      for (JsonNode entry : root.path("entry")) {
        JsonNode resource = entry.get("resource");
        String mode = entry.path("search").path("mode").asText("match");
        if (resource == null || !resource.isObject() || !"match".equals(mode)) {
          continue;
        }
        ndjson.append(resource.toString()).append('\n');
        n++;
        watermark.see(resource);
      }
      if (n > 0) {
        IntakeReport report =
            pipeline.ingest(
                new IntakeRequest(
                    sourceId,
                    CHANNEL_PULL,
                    url,
                    "application/fhir+ndjson",
                    null,
                    IntakeRequest.Body.of(ndjson.toString().getBytes(StandardCharsets.UTF_8))));
        p.resources += n;
        if (report.rejected() > 0) {
          p.errors += report.rejected();
          p.lastError =
              report.rejected() + " " + type + " resource(s) rejected by intake (dead-lettered)";
          listener.error(p);
        }
      }
      listener.page(p, n);

      String next = nextLink(root, url);
      // The page is committed: move the watermark as far as is safe.
      Instant advanced = watermark.pageCommitted(next == null);
      if (advanced != null) {
        store.advance(sourceId, type, advanced);
        listener.watermark(type, advanced);
      }
      if (next != null && !sameOrigin(next)) {
        pageFault(
            p,
            listener,
            type,
            url,
            null,
            "pull-next-link-foreign",
            "the next link of a "
                + type
                + " page leaves the source ("
                + URI.create(next).getHost()
                + "); not followed");
        return;
      }
      url = next;
    }
    if (watermark.stale() > 0) {
      ignoresLastUpdated.add(type);
      log.info(
          "event=pull_server_ignores_lastUpdated source={} type={} stale={} note=\"dedupe by content hash\"",
          sourceId,
          type,
          watermark.stale());
    }
    log.info(
        "event=pull_type_done source={} type={} watermark={} sorted={}",
        sourceId,
        type,
        watermark.committed(),
        watermark.sorted());
  }

  private void pageFault(
      Progress p,
      Listener listener,
      String type,
      String url,
      FhirPageClient.Page page,
      String code,
      String reason) {
    byte[] payload =
        page == null || page.body() == null
            ? new byte[0]
            : page.body().getBytes(StandardCharsets.UTF_8);
    long id =
        writer.deadLetter(
            DeadLetter.of(
                sourceId,
                CHANNEL_PULL,
                url,
                page == null || page.contentType() == null
                    ? "application/fhir+json"
                    : page.contentType(),
                payload,
                code,
                reason,
                type,
                null));
    p.errors++;
    p.partial = true;
    p.lastError = reason + " (dead letter " + id + ")";
    listener.error(p);
    log.warn(
        "event=pull_page_rejected source={} type={} code={} deadLetter={} reason=\"{}\"",
        sourceId,
        type,
        code,
        id,
        reason);
  }

  private boolean sameOrigin(String next) {
    URI b = URI.create(base);
    URI n = URI.create(next);
    return Objects.equals(b.getHost(), n.getHost())
        && b.getPort() == n.getPort()
        && b.getScheme().equalsIgnoreCase(n.getScheme());
  }

  private static String nextLink(JsonNode bundle, String current) {
    for (JsonNode link : bundle.path("link")) {
      if ("next".equals(link.path("relation").asText())) {
        String u = link.path("url").asText(null);
        if (u != null && !u.isBlank()) {
          return URI.create(current).resolve(u.trim()).toString();
        }
      }
    }
    return null;
  }

  static String format(Instant i) {
    return DateTimeFormatter.ISO_INSTANT.format(i);
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  private static String brief(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) : s;
  }
}
