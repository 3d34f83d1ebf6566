package org.shockreg.registry.audit;

/**
 * The codes of ShockReg's AuditEvents, after the IHE Basic Audit Log Patterns (BALP): RESTful
 * interactions are type {@code rest} with the FHIR interaction as subtype; exports, imports,
 * application activity and authentication are DICOM {@code 1101xx} codes.
 */
public final class AuditCodes {

  public static final String AUDIT_EVENT_TYPE =
      "http://terminology.hl7.org/CodeSystem/audit-event-type";
  public static final String RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction";
  public static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";

  /** A coding: system, code, display. */
  public record Code(String system, String code, String display) {}

  public static final Code REST = new Code(AUDIT_EVENT_TYPE, "rest", "Restful Operation");
  public static final Code APPLICATION_ACTIVITY = new Code(DICOM, "110100", "Application Activity");
  public static final Code AUDIT_LOG_USED = new Code(DICOM, "110101", "Audit Log Used");
  public static final Code EXPORT = new Code(DICOM, "110106", "Export");
  public static final Code IMPORT = new Code(DICOM, "110107", "Import");
  public static final Code PATIENT_RECORD = new Code(DICOM, "110110", "Patient Record");
  public static final Code USER_AUTHENTICATION = new Code(DICOM, "110114", "User Authentication");
  public static final Code LOGIN = new Code(DICOM, "110122", "Login");

  private AuditCodes() {}

  /** A FHIR restful interaction ({@code read}, {@code search-type}, {@code operation} ...). */
  public static Code interaction(String code) {
    return new Code(RESTFUL_INTERACTION, code, null);
  }

  /** By a stored system and code (displays of the known codes restored). */
  public static Code of(String system, String code) {
    if (system == null || code == null) {
      return null;
    }
    for (Code c :
        new Code[] {
          REST,
          APPLICATION_ACTIVITY,
          AUDIT_LOG_USED,
          EXPORT,
          IMPORT,
          PATIENT_RECORD,
          USER_AUTHENTICATION,
          LOGIN
        }) {
      if (c.system().equals(system) && c.code().equals(code)) {
        return c;
      }
    }
    return new Code(system, code, null);
  }
}
