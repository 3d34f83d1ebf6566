package org.shockreg.server.security;

import java.util.Locale;

/** What a caller may do (docs/security.md). */
public enum Role {
  /** Everything. */
  ADMIN,
  /** Intake only ({@code /ingest/**}). */
  INGEST,
  /** The curated FHIR API and Bulk export, but not Provenance, AuditEvent, /admin, /edc. */
  ANALYST,
  /** ResearchStudy, ResearchSubject, {@code /edc/{studyId}/**} and Group exports of its studies. */
  EDC;

  public static Role parse(String role) {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("no role given (admin, ingest, analyst or edc)");
    }
    try {
      return Role.valueOf(role.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown role " + role + " (admin, ingest, analyst or edc)");
    }
  }

  /** The Spring Security authority, {@code ROLE_ADMIN} etc. */
  public String authority() {
    return "ROLE_" + name();
  }

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
