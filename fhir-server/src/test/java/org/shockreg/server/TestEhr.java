package org.shockreg.server;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;

/**
 * A hospital EHR for tests: a real HAPI {@link RestfulServer} on embedded Tomcat (random port) at
 * {@code /fhir}, in-memory Patients, Observations and Procedures whose {@code meta.lastUpdated} is
 * set when they are stored, a bearer token checked by an interceptor, and switches for faults.
 */
public class TestEhr implements AutoCloseable {

  private final String token;

  /** Which bearer tokens the EHR takes: by default the one it was made with. */
  private volatile java.util.function.Predicate<String> acceptsToken;

  /** Requests refused for their token. */
  public final AtomicInteger refusedTokens = new AtomicInteger();

  private final Map<String, Resource> store = new LinkedHashMap<>();
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");
  private final Tomcat tomcat = new Tomcat();
  private final int port;

  /** Each request as seen: path and decoded query. */
  public final List<String> requests = new CopyOnWriteArrayList<>();

  // Fault switches
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile int failStatus;
  private final AtomicInteger slowNext = new AtomicInteger();
  private volatile Duration slowBy = Duration.ZERO;
  private final AtomicInteger breakNextLinks = new AtomicInteger();
  private final AtomicInteger malformedNextPages = new AtomicInteger();

  public TestEhr(String token) throws LifecycleException, IOException {
    this(token, Map.of());
  }

  /** With more servlets on the EHR's host, by path (a token endpoint, say). */
  public TestEhr(String token, Map<String, jakarta.servlet.http.HttpServlet> extraServlets)
      throws LifecycleException, IOException {
    this.token = token;
    this.acceptsToken = token::equals;
    RestfulServer server = new FaultyServer();
    server.setFhirContext(FhirContext.forR4Cached());
    server.registerProviders(
        new TestEhrProvider(Patient.class, this),
        new TestEhrProvider(Observation.class, this),
        new TestEhrProvider(Procedure.class, this));
    FifoMemoryPagingProvider paging = new FifoMemoryPagingProvider(100);
    paging.setDefaultPageSize(50);
    paging.setMaximumPageSize(1000);
    server.setPagingProvider(paging);
    server.registerInterceptor(new BearerCheck());

    tomcat.setBaseDir(Files.createTempDirectory("test-ehr-tomcat").toString());
    tomcat.setPort(0);
    Context ctx = tomcat.addContext("", null);
    Tomcat.addServlet(ctx, "fhir", server);
    ctx.addServletMappingDecoded("/fhir/*", "fhir");
    for (Map.Entry<String, jakarta.servlet.http.HttpServlet> extra : extraServlets.entrySet()) {
      Tomcat.addServlet(ctx, extra.getKey(), extra.getValue());
      ctx.addServletMappingDecoded(extra.getKey(), extra.getKey());
    }
    tomcat.getConnector();
    tomcat.start();
    port = tomcat.getConnector().getLocalPort();
  }

  public void acceptTokens(java.util.function.Predicate<String> accepts) {
    this.acceptsToken = accepts;
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://localhost:" + port + "/fhir";
  }

  /** Stores resources, all with the same new lastUpdated (one tick after the last). */
  public synchronized Instant put(Resource... resources) {
    clock = clock.plusMillis(1000);
    for (Resource r : resources) {
      String key = r.fhirType() + "/" + r.getIdElement().getIdPart();
      Resource old = store.get(key);
      int version = old == null ? 1 : Integer.parseInt(old.getMeta().getVersionId()) + 1;
      r.getMeta().setVersionId(Integer.toString(version)).setLastUpdated(Date.from(clock));
      store.put(key, r.copy());
    }
    return clock;
  }

  /**
   * Stores resources as a transaction that committed late: visible only now, with a lastUpdated
   * before what the EHR has already served.
   */
  public synchronized void putLate(Duration beforeClock, Resource... resources) {
    Instant at = clock.minus(beforeClock);
    for (Resource r : resources) {
      r.getMeta().setVersionId("1").setLastUpdated(Date.from(at));
      store.put(r.fhirType() + "/" + r.getIdElement().getIdPart(), r.copy());
    }
  }

  synchronized List<Resource> snapshot(String type) {
    List<Resource> out = new ArrayList<>();
    for (Resource r : store.values()) {
      if (r.fhirType().equals(type)) {
        out.add(r);
      }
    }
    return out;
  }

  static boolean within(Date value, DateRangeParam range) {
    if (range.getLowerBound() != null && range.getLowerBound().getValue() != null) {
      Date lo = range.getLowerBound().getValue();
      boolean strict = range.getLowerBound().getPrefix() == ParamPrefixEnum.GREATERTHAN;
      if (strict ? !value.after(lo) : value.before(lo)) {
        return false;
      }
    }
    if (range.getUpperBound() != null && range.getUpperBound().getValue() != null) {
      Date hi = range.getUpperBound().getValue();
      boolean strict = range.getUpperBound().getPrefix() == ParamPrefixEnum.LESSTHAN;
      return strict ? value.before(hi) : !value.after(hi);
    }
    return true;
  }

  /** The next {@code n} requests answer {@code status} (429 with Retry-After: 1). */
  public void failNext(int n, int status) {
    failStatus = status;
    failNext.set(n);
  }

  /** The next {@code n} requests are answered only after {@code by}. */
  public void slowNext(int n, Duration by) {
    slowBy = by;
    slowNext.set(n);
  }

  /** The next {@code n} follow-up pages (next links) lead nowhere (410 Gone). */
  public void breakNextLinks(int n) {
    breakNextLinks.set(n);
  }

  /** The next {@code n} follow-up pages are cut short: not valid JSON. */
  public void malformedNextPages(int n) {
    malformedNextPages.set(n);
  }

  public void clearFaults() {
    failNext.set(0);
    slowNext.set(0);
    breakNextLinks.set(0);
    malformedNextPages.set(0);
  }

  /** Requests of searches (first pages) of a type, their decoded query strings. */
  public List<String> searches(String type) {
    return requests.stream().filter(r -> r.startsWith("/fhir/" + type + "?")).toList();
  }

  @Override
  public void close() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  private static boolean takeOne(AtomicInteger counter) {
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }

  /** Checks the bearer token of every request. */
  @Interceptor
  public class BearerCheck {
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean check(HttpServletRequest request) {
      String auth = request.getHeader("Authorization");
      if (auth == null || !auth.startsWith("Bearer ") || !acceptsToken.test(auth.substring(7))) {
        refusedTokens.incrementAndGet();
        throw new AuthenticationException("missing, wrong or expired bearer token");
      }
      return true;
    }
  }

  private class FaultyServer extends RestfulServer {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res)
        throws ServletException, IOException {
      String query =
          req.getQueryString() == null
              ? ""
              : java.net.URLDecoder.decode(req.getQueryString(), StandardCharsets.UTF_8);
      requests.add(req.getRequestURI() + (query.isEmpty() ? "" : "?" + query));
      boolean followUp = req.getParameter("_getpages") != null;
      if (takeOne(failNext)) {
        res.setStatus(failStatus);
        if (failStatus == 429) {
          res.setHeader("Retry-After", "1");
        }
        res.setContentType("application/fhir+json");
        res.getWriter()
            .write(
                "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"transient\"}]}");
        return;
      }
      if (takeOne(slowNext)) {
        try {
          Thread.sleep(slowBy.toMillis()); // the EHR is slow, not the test
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (followUp && takeOne(breakNextLinks)) {
        res.setStatus(410);
        res.setContentType("application/fhir+json");
        res.getWriter()
            .write(
                "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"not-found\","
                    + "\"diagnostics\":\"Search id not found\"}]}");
        return;
      }
      if (followUp && takeOne(malformedNextPages)) {
        res.setStatus(200);
        res.setContentType("application/fhir+json");
        res.getWriter()
            .write("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":");
        return;
      }
      super.service(req, res);
    }
  }
}
