package org.shockreg.server.security;

import java.util.Locale;

/** What a caller may do. */
public enum Role {
  ADMIN,
  INGEST,
  ANALYST,
  EDC;

  public static Role parse(String role) {
    return Role.valueOf(role.trim().toUpperCase(Locale.ROOT));
  }
}
