package org.shockreg.server.audit;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.ingest.rekey.RekeyStatus;
import org.shockreg.registry.audit.AuditCodes;
import org.shockreg.registry.audit.AuditRecord;
import org.shockreg.server.security.ShockRegPrincipal;

/**
 * The audit trail of a re-keying job: its start is the request's own event (what was asked, from
 * which old database, forced or not); its end, minutes or hours later, is an Import event of its
 * own with the totals, by the admin who started it. No identifier, no password.
 */
public final class RekeyAudit {

  static final String ENTITY = "rekey";

  private final AuditWriter writer;
  private final Clock clock;

  public RekeyAudit(AuditWriter writer, Clock clock) {
    this.writer = writer;
    this.clock = clock;
  }

  /** Describes the {@code POST /admin/rekey} request in its audit event. */
  public static void started(
      HttpServletRequest request, String source, boolean forced, String refusal) {
    AuditContext c = AuditContext.of(request);
    if (c == null) {
      return;
    }
    c.event(AuditCodes.APPLICATION_ACTIVITY, null, "E")
        .entity(AuditClassifier.SYSTEM_OBJECT, ENTITY)
        .detail("source", source)
        .detail("forced", forced);
    if (refusal != null) {
      c.outcomeDescription(refusal);
    }
  }

  /** Records the end of a job started by {@code request}: call it before the request is done. */
  public java.util.function.Consumer<RekeyStatus> finisher(HttpServletRequest request) {
    ShockRegPrincipal who = ShockRegPrincipal.current().orElse(null);
    String address = request.getRemoteAddr();
    String method = request.getMethod();
    String path = AuditClassifier.path(request);
    return status -> writer.record(finished(status, who, address, method, path));
  }

  AuditRecord finished(
      RekeyStatus s, ShockRegPrincipal who, String address, String method, String path) {
    Map<String, String> detail = new LinkedHashMap<>();
    detail.put("state", s.state());
    detail.put("verified", String.valueOf(s.verified()));
    detail.put("source", String.valueOf(s.source()));
    detail.put("forced", String.valueOf(s.forced()));
    detail.put("sites", String.valueOf(s.sites().size()));
    detail.put(
        "oldHeads",
        String.valueOf(s.sites().stream().mapToLong(RekeyStatus.SiteTotals::oldHeads).sum()));
    detail.put(
        "received",
        String.valueOf(s.sites().stream().mapToLong(RekeyStatus.SiteTotals::received).sum()));
    detail.put(
        "curated",
        String.valueOf(s.sites().stream().mapToLong(RekeyStatus.SiteTotals::curated).sum()));
    detail.put(
        "rejected",
        String.valueOf(s.sites().stream().mapToLong(RekeyStatus.SiteTotals::rejected).sum()));
    if (s.randomizations() != null) {
      detail.put("randomizationsOld", String.valueOf(s.randomizations().old()));
      detail.put(
          "randomizationsRecorded",
          String.valueOf(s.randomizations().recorded() + s.randomizations().alreadyRecorded()));
    }
    boolean ok = RekeyStatus.SUCCEEDED.equals(s.state());
    return new AuditRecord(
        clock.instant(),
        AuditCodes.IMPORT,
        null,
        "C",
        ok ? 0 : 8,
        ok
            ? (s.verified()
                ? "re-keying done, every count matches"
                : "re-keying done, counts differ: see GET /admin/rekey")
            : s.error(),
        who == null ? "system" : who.id(),
        who == null ? null : who.role().code(),
        address,
        AuditClassifier.SYSTEM_OBJECT,
        ENTITY,
        null,
        detail,
        method,
        path,
        202);
  }
}
