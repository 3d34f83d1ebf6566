package org.shockreg.server.security;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.Set;

/**
 * What a role (narrowed by SMART scopes) may do on the parsed FHIR request: resource type,
 * interaction, operation and, for {@code edc}, the study of {@code ResearchStudy/{id}/$...}. The
 * table in docs/security.md says the same. Pure: unit-testable, no request state.
 */
public final class FhirAccessRules {

  /** Types only an admin may read. */
  public static final Set<String> ADMIN_ONLY_TYPES = Set.of("Provenance", "AuditEvent");

  /**
   * Types an edc caller may use (its own studies only; the providers filter by study, and a
   * Subscription's criteria must name only its studies).
   */
  public static final Set<String> EDC_TYPES =
      Set.of("ResearchStudy", "ResearchSubject", "Subscription");

  /** Interactions on Subscription beyond reading: create and delete (admin, edc). */
  private static final Set<Character> SUBSCRIPTION_WRITES =
      Set.of(SmartScopes.CREATE, SmartScopes.DELETE);

  /** Operations that only read, each tied to the type it reads (checked against the scopes). */
  private static final Set<String> BULK_STATUS_OPERATIONS =
      Set.of("$export-poll-status", "$export-file");

  private FhirAccessRules() {}

  /** Null when allowed, else why not. */
  public static String denial(
      ShockRegPrincipal p, RestOperationTypeEnum op, String type, String idPart, String operation) {
    if (op == RestOperationTypeEnum.METADATA) {
      return null;
    }
    Role role = p.role();
    if (role == Role.INGEST) {
      return "role ingest may only use /ingest";
    }
    if (isOperation(op)) {
      return operationDenial(p, op, type, idPart, operation);
    }
    if (op == RestOperationTypeEnum.GET_PAGE) {
      return null; // a page of a search the caller ran; every resource in it is checked going out
    }
    Character interaction = interaction(op);
    if (interaction == null || type == null) {
      return role == Role.ADMIN ? null : "role " + role.code() + " may not use " + op.getCode();
    }
    String byRole = typeDenial(role, type, interaction);
    if (byRole != null) {
      return byRole;
    }
    if (!p.scopes().permits(type, interaction)) {
      return "the token's scopes do not allow " + interaction + " on " + type;
    }
    return null;
  }

  private static String typeDenial(Role role, String type, char interaction) {
    switch (role) {
      case ADMIN:
        return null;
      case ANALYST:
        if (ADMIN_ONLY_TYPES.contains(type) || "Subscription".equals(type)) {
          return "role analyst may not use " + type;
        }
        return interaction == SmartScopes.READ || interaction == SmartScopes.SEARCH
            ? null
            : "role analyst may only read";
      case EDC:
        if (!EDC_TYPES.contains(type)) {
          return "role edc may not use " + type;
        }
        if ("Subscription".equals(type) && SUBSCRIPTION_WRITES.contains(interaction)) {
          return null;
        }
        return interaction == SmartScopes.READ || interaction == SmartScopes.SEARCH
            ? null
            : "role edc may only read " + type;
      default:
        return "role " + role.code() + " may not use the FHIR API";
    }
  }

  private static String operationDenial(
      ShockRegPrincipal p, RestOperationTypeEnum op, String type, String idPart, String operation) {
    Role role = p.role();
    String name = operation == null ? "" : operation;
    if (BULK_STATUS_OPERATIONS.contains(name)) {
      return null; // bound to the job's owner: others get 404 from the operation itself
    }
    if ("$export".equals(name)) {
      // which types it writes is narrowed at kick-off; edc only through a Group (its subjects)
      if (role == Role.EDC && !"Group".equals(type)) {
        return "role edc may export only Group members (Group/{id}/$export)";
      }
      return null;
    }
    if (op == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER || type == null) {
      return role == Role.ADMIN ? null : "role " + role.code() + " may not use " + name;
    }
    if (role == Role.EDC) {
      if (!("ResearchStudy".equals(type) && "$interim-report".equals(name))) {
        return "role edc may not use " + type + "/" + name;
      }
      if (idPart == null || !p.studies().contains(idPart)) {
        return "role edc may use " + name + " only of its own studies";
      }
    } else if (role == Role.ANALYST && ADMIN_ONLY_TYPES.contains(type)) {
      return "role analyst may not use " + type;
    }
    if (!p.scopes().permits(type, SmartScopes.READ)) {
      return "the token's scopes do not allow r on " + type;
    }
    return null;
  }

  /** Whether resources of a type may go out to this caller at all (edc: see its study checks). */
  public static boolean mayReceive(ShockRegPrincipal p, String type) {
    boolean byRole =
        switch (p.role()) {
          case ADMIN -> true;
          case ANALYST -> !ADMIN_ONLY_TYPES.contains(type);
          case EDC -> EDC_TYPES.contains(type) || "Patient".equals(type);
          case INGEST -> false;
        };
    return byRole && p.scopes().permitsReading(type);
  }

  static boolean isOperation(RestOperationTypeEnum op) {
    return op == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER
        || op == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
        || op == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE;
  }

  /** The SMART interaction of a REST operation, or null for those we do not map (admin only). */
  static Character interaction(RestOperationTypeEnum op) {
    return switch (op) {
      case READ, VREAD -> SmartScopes.READ;
      case SEARCH_TYPE, SEARCH_SYSTEM, HISTORY_INSTANCE, HISTORY_TYPE -> SmartScopes.SEARCH;
      case CREATE -> SmartScopes.CREATE;
      case UPDATE, PATCH -> SmartScopes.UPDATE;
      case DELETE -> SmartScopes.DELETE;
      default -> null;
    };
  }
}
