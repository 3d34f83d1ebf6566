package org.shockreg.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.hl7.fhir.r4.model.Resource;

/**
 * A Bulk Data (IG 2.0) export server for tests: a plain servlet on embedded Tomcat (random port) at
 * {@code /fhir}. Kick-off ({@code $export}, {@code Group/<id>/$export}) snapshots the in-memory
 * resources that match {@code _type} and were updated after {@code _since}; the status URL answers
 * 202 ({@code Retry-After: 1}) for the first {@code pollsBeforeDone} polls, then the manifest
 * ({@code requiresAccessToken: true}); files and every other request need the bearer token; {@code
 * DELETE} of the status URL removes the job.
 */
public class TestBulkEhr implements AutoCloseable {

  /** A kick-off as seen: path and decoded parameters. */
  public record Kickoff(String path, Map<String, String> params, String prefer, String accept) {}

  /** A query as on a pre-signed object-store URL: a credential, never to be logged. */
  static final String PRESIGNED = "?X-Amz-Signature=presigned-secret-4711";

  private record Job(
      Instant transactionTime,
      Map<String, String> files,
      List<String> errors,
      AtomicInteger polls) {}

  private final String token;
  private final int pollsBeforeDone;
  private final IParser parser = FhirContext.forR4Cached().newJsonParser();
  private final Map<String, Resource> store = new LinkedHashMap<>();
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger jobSeq = new AtomicInteger();
  private Instant clock = Instant.parse("2026-02-01T00:00:00Z");
  private final List<String> nextErrors = new CopyOnWriteArrayList<>();
  private final Tomcat tomcat = new Tomcat();
  private final int port;

  public final List<Kickoff> kickoffs = new CopyOnWriteArrayList<>();
  public final List<String> deleted = new CopyOnWriteArrayList<>();
  public final List<String> statusPolls = new CopyOnWriteArrayList<>();

  /** File requests: path and whether they carried the right token. */
  public final List<String> fileRequests = new CopyOnWriteArrayList<>();

  public TestBulkEhr(String token, int pollsBeforeDone) throws LifecycleException, IOException {
    this.token = token;
    this.pollsBeforeDone = pollsBeforeDone;
    tomcat.setBaseDir(Files.createTempDirectory("test-bulk-ehr-tomcat").toString());
    tomcat.setPort(0);
    Context ctx = tomcat.addContext("", null);
    Tomcat.addServlet(ctx, "bulk", new BulkServlet());
    ctx.addServletMappingDecoded("/fhir/*", "bulk");
    tomcat.getConnector();
    tomcat.start();
    port = tomcat.getConnector().getLocalPort();
  }

  public String baseUrl() {
    return "http://localhost:" + port + "/fhir";
  }

  /** Stores resources, all with the same new lastUpdated (one second after the last). */
  public synchronized Instant put(Resource... resources) {
    clock = clock.plusSeconds(1);
    for (Resource r : resources) {
      r.getMeta().setLastUpdated(Date.from(clock));
      store.put(r.fhirType() + "/" + r.getIdElement().getIdPart(), r.copy());
    }
    return clock;
  }

  /** The next export's manifest lists an error file with this OperationOutcome line. */
  public void errorInNextExport(String operationOutcomeJson) {
    nextErrors.add(operationOutcomeJson);
  }

  public boolean hasJob(String statusUrl) {
    return jobs.containsKey(statusUrl.substring(statusUrl.lastIndexOf('/') + 1));
  }

  @Override
  public void close() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  private synchronized Job startJob(List<String> types, Instant since) {
    Map<String, StringBuilder> byType = new LinkedHashMap<>();
    for (Resource r : store.values()) {
      if ((types == null || types.contains(r.fhirType()))
          && (since == null || r.getMeta().getLastUpdated().toInstant().isAfter(since))) {
        byType
            .computeIfAbsent(r.fhirType(), t -> new StringBuilder())
            .append(parser.encodeResourceToString(r))
            .append('\n');
      }
    }
    Map<String, String> files = new LinkedHashMap<>();
    byType.forEach((t, b) -> files.put(t, b.toString()));
    List<String> errors = new ArrayList<>(nextErrors);
    nextErrors.clear();
    return new Job(clock, files, errors, new AtomicInteger());
  }

  private class BulkServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
      String path = req.getPathInfo() == null ? "" : req.getPathInfo();
      boolean authorized = ("Bearer " + token).equals(req.getHeader("Authorization"));
      if (path.startsWith("/files/")) {
        fileRequests.add(path + (authorized ? " authorized" : " unauthorized"));
      }
      if (!authorized) {
        outcome(res, 401, "login", "missing or wrong bearer token");
        return;
      }
      if ("GET".equals(req.getMethod()) && path.endsWith("/$export")) {
        kickoff(req, res, path);
      } else if (path.startsWith("/jobs/")) {
        String id = path.substring("/jobs/".length());
        Job job = jobs.get(id);
        if (job == null) {
          outcome(res, 404, "not-found", "no such job");
        } else if ("DELETE".equals(req.getMethod())) {
          jobs.remove(id);
          deleted.add(id);
          res.setStatus(202);
        } else {
          status(req, res, id, job);
        }
      } else if (path.startsWith("/files/") && "GET".equals(req.getMethod())) {
        String[] parts = path.substring("/files/".length()).split("/");
        Job job = jobs.get(parts[0]);
        String body = null;
        if (job != null && parts.length == 2) {
          body =
              parts[1].startsWith("error-")
                  ? job.errors().get(Integer.parseInt(parts[1].substring(6, parts[1].indexOf('.'))))
                      + "\n"
                  : job.files().get(parts[1].replace(".ndjson", ""));
        }
        if (body == null) {
          outcome(res, 404, "not-found", "no such file");
          return;
        }
        res.setStatus(200);
        res.setContentType("application/fhir+ndjson");
        res.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      } else {
        outcome(res, 404, "not-supported", "unknown path " + path);
      }
    }

    private void kickoff(HttpServletRequest req, HttpServletResponse res, String path)
        throws IOException {
      Map<String, String> params = new LinkedHashMap<>();
      if (req.getQueryString() != null) {
        for (String kv : req.getQueryString().split("&")) {
          int eq = kv.indexOf('=');
          params.put(
              URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
              eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      kickoffs.add(new Kickoff(path, params, req.getHeader("Prefer"), req.getHeader("Accept")));
      if (!"respond-async".equals(req.getHeader("Prefer"))) {
        outcome(res, 400, "invalid", "Prefer: respond-async is required");
        return;
      }
      if (params.containsKey("_outputFormat")
          && !"application/fhir+ndjson".equals(params.get("_outputFormat"))) {
        outcome(res, 400, "invalid", "unsupported _outputFormat");
        return;
      }
      List<String> types =
          params.containsKey("_type") ? Arrays.asList(params.get("_type").split(",")) : null;
      Instant since = params.containsKey("_since") ? Instant.parse(params.get("_since")) : null;
      String id = "job-" + jobSeq.incrementAndGet();
      jobs.put(id, startJob(types, since));
      res.setStatus(202);
      res.setHeader("Content-Location", baseUrl() + "/jobs/" + id);
    }

    private void status(HttpServletRequest req, HttpServletResponse res, String id, Job job)
        throws IOException {
      statusPolls.add(id);
      if (job.polls().incrementAndGet() <= pollsBeforeDone) {
        res.setStatus(202);
        res.setHeader("Retry-After", "1");
        res.setHeader("X-Progress", "poll " + job.polls().get());
        return;
      }
      StringBuilder out = new StringBuilder();
      for (Map.Entry<String, String> f : job.files().entrySet()) {
        long count = f.getValue().lines().count();
        out.append(out.length() == 0 ? "" : ",")
            .append("{\"type\":\"")
            .append(f.getKey())
            .append("\",\"url\":\"")
            .append(baseUrl())
            .append("/files/")
            .append(id)
            .append('/')
            .append(f.getKey())
            .append(".ndjson")
            .append(PRESIGNED)
            .append("\",\"count\":")
            .append(count)
            .append('}');
      }
      StringBuilder err = new StringBuilder();
      for (int i = 0; i < job.errors().size(); i++) {
        err.append(i == 0 ? "" : ",")
            .append("{\"type\":\"OperationOutcome\",\"url\":\"")
            .append(baseUrl())
            .append("/files/")
            .append(id)
            .append("/error-")
            .append(i)
            .append(".ndjson")
            .append(PRESIGNED)
            .append("\"}");
      }
      res.setStatus(200);
      res.setContentType("application/json");
      res.getWriter()
          .write(
              "{\"transactionTime\":\""
                  + job.transactionTime()
                  + "\",\"request\":\""
                  + baseUrl()
                  + "/$export\",\"requiresAccessToken\":true,\"output\":["
                  + out
                  + "],\"error\":["
                  + err
                  + "]}");
    }

    private void outcome(HttpServletResponse res, int status, String code, String text)
        throws IOException {
      res.setStatus(status);
      res.setContentType("application/fhir+json");
      res.getWriter()
          .write(
              "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\""
                  + code
                  + "\",\"diagnostics\":\""
                  + text
                  + "\"}]}");
    }
  }
}
