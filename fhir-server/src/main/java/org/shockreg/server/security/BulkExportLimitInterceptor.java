package org.shockreg.server.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.shockreg.registry.bulk.BulkExportJobStore;
import org.shockreg.server.fhir.FhirServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * {@code shockreg.limits.max-concurrent-bulk-exports}: a principal with that many Bulk export jobs
 * accepted or running gets 429 (OperationOutcome, {@code Retry-After}) on a further kick-off.
 * Counted in {@code bulk_export_job}, so it holds across instances; two kick-offs of one caller at
 * the same instant may both pass (the limit is a fairness guard, not an exact quota). After
 * authorization (higher order), so an unauthorized caller gets its 403 first.
 */
public class BulkExportLimitInterceptor implements FhirServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(BulkExportLimitInterceptor.class);

  private final BulkExportJobStore jobs;
  private final int max;
  private final Duration retryAfter;

  public BulkExportLimitInterceptor(BulkExportJobStore jobs, int max, Duration retryAfter) {
    this.jobs = jobs;
    this.max = max;
    this.retryAfter = retryAfter;
  }

  @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = 100)
  public boolean limit(RequestDetails request, HttpServletRequest req, HttpServletResponse res)
      throws IOException {
    if (max <= 0 || !"$export".equals(request.getOperation())) {
      return true;
    }
    ShockRegPrincipal p = ShockRegPrincipal.of(request).orElse(null);
    if (p == null) {
      return true;
    }
    long active = jobs.openJobsOf(p.id());
    if (active < max) {
      return true;
    }
    log.info("event=bulk_export_limited principal={} active_jobs={} max={}", p.id(), active, max);
    res.setHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    SecurityErrors.write(
        req,
        res,
        HttpStatus.TOO_MANY_REQUESTS,
        "throttled",
        "SR-LIMIT-2: this caller already has "
            + active
            + " Bulk export jobs accepted or running"
            + " (shockreg.limits.max-concurrent-bulk-exports = "
            + max
            + "); retry after one has finished"
            + " or cancel one (DELETE its status URL)");
    return false;
  }
}
