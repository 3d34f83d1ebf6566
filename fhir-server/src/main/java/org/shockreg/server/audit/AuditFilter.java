package org.shockreg.server.audit;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import org.shockreg.registry.audit.AuditRecord;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records one AuditEvent per request, when its response is done: outside Spring Security, so 401s
 * and 403s are recorded too. The caller comes from the {@link AuditContext} (set by the security
 * chain once it has authenticated the token); what was touched from the FHIR interceptor or the
 * handler, else from the path ({@link AuditClassifier}). Open endpoints (metadata, health, JWKS,
 * console assets) are recorded only when refused.
 */
public class AuditFilter extends OncePerRequestFilter {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditFilter.class);

  private final AuditWriter writer;
  private final Clock clock;

  public AuditFilter(AuditWriter writer, Clock clock) {
    this.writer = writer;
    this.clock = clock;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    AuditContext context = new AuditContext();
    req.setAttribute(AuditContext.ATTRIBUTE, context);
    boolean async = false;
    boolean failed = false;
    try {
      chain.doFilter(req, res);
      if (req.isAsyncStarted()) {
        // a streamed response: recorded when it completes
        async = true;
        req.getAsyncContext().addListener(new Completion(req, res, context));
      }
    } catch (ServletException | IOException | RuntimeException e) {
      failed = true; // answered by the container's error page, after this filter: a 500
      throw e;
    } finally {
      if (!async) {
        record(req, failed && res.getStatus() < 400 ? 500 : res.getStatus(), context);
      }
    }
  }

  private void record(HttpServletRequest req, int status, AuditContext context) {
    AuditRecord event = AuditClassifier.classify(req, status, context, clock.instant());
    if (event == null) {
      return;
    }
    try {
      writer.record(event);
    } catch (RuntimeException e) {
      // only a synchronous write (full queue, or stopped) can fail here: the database is away
      log.error(
          "event=audit_record_failed method={} path={} status={} error={}",
          event.httpMethod(),
          event.httpPath(),
          status,
          e.getClass().getSimpleName());
    }
  }

  private final class Completion implements AsyncListener {
    private final HttpServletRequest req;
    private final HttpServletResponse res;
    private final AuditContext context;

    Completion(HttpServletRequest req, HttpServletResponse res, AuditContext context) {
      this.req = req;
      this.res = res;
      this.context = context;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      record(req, res.getStatus(), context);
    }

    @Override
    public void onTimeout(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }
}
