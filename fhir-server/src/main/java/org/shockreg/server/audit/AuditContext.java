package org.shockreg.server.audit;

import jakarta.servlet.ServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.shockreg.registry.audit.AuditCodes;
import org.shockreg.server.security.ShockRegPrincipal;

/**
 * What a request's handlers tell the audit trail about it (a request attribute, created by {@link
 * AuditFilter}): the caller once authenticated, the kind of event, what it touched. The filter adds
 * the outcome when the response is done. Handlers that know nothing of auditing leave it alone; the
 * filter then classifies the request by its path.
 */
public final class AuditContext {

  static final String ATTRIBUTE = AuditContext.class.getName();

  ShockRegPrincipal principal;
  AuditCodes.Code type;
  AuditCodes.Code subtype;
  String action;
  String entityType;
  String entityWhat;
  String outcomeDesc;
  boolean skip;
  final Map<String, String> detail = new LinkedHashMap<>();

  /** The context of a request, or null outside an audited request. */
  public static AuditContext of(ServletRequest request) {
    return request != null && request.getAttribute(ATTRIBUTE) instanceof AuditContext c ? c : null;
  }

  /** The authenticated caller (set as soon as Spring Security knows it). */
  public static void principal(ServletRequest request, ShockRegPrincipal p) {
    AuditContext c = of(request);
    if (c != null && p != null) {
      c.principal = p;
    }
  }

  /** The kind of event and what it touched. */
  public AuditContext event(AuditCodes.Code type, AuditCodes.Code subtype, String action) {
    this.type = type;
    this.subtype = subtype;
    this.action = action;
    return this;
  }

  public AuditContext entity(String type, String what) {
    this.entityType = type;
    this.entityWhat = what;
    return this;
  }

  /** An extra name/value (counts of an ingest ...); never a patient identifier. */
  public AuditContext detail(String name, Object value) {
    if (value != null) {
      detail.put(name, String.valueOf(value));
    }
    return this;
  }

  /** Why it failed, when the handler knows (an OperationOutcome's diagnostics ...). */
  public AuditContext outcomeDescription(String text) {
    if (text != null) {
      this.outcomeDesc = text.length() > 500 ? text.substring(0, 500) : text;
    }
    return this;
  }

  /** Why a request was refused (the security layer's message, which names no value). */
  public static void describeFailure(ServletRequest request, String message) {
    AuditContext c = of(request);
    if (c != null) {
      c.outcomeDescription(message);
    }
  }

  /** The counts of an ingest (one line in the intake controller). */
  public static void ingested(ServletRequest request, int received, int curated, int rejected) {
    AuditContext c = of(request);
    if (c != null) {
      c.detail("received", received).detail("curated", curated).detail("rejected", rejected);
    }
  }

  /** A static note for handlers: does nothing outside an audited request. */
  public static void detail(ServletRequest request, String name, Object value) {
    AuditContext c = of(request);
    if (c != null) {
      c.detail(name, value);
    }
  }
}
