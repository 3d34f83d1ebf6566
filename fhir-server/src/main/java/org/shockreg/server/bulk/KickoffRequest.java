package org.shockreg.server.bulk;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Parameters;

/**
 * What a Bulk Data kick-off may ask (Bulk Data Access IG 2.0, strictly): {@code Prefer:
 * respond-async}, NDJSON output, {@code _type} among the exported types, no other parameter.
 */
final class KickoffRequest {

  private static final Set<String> FORMATS =
      Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
  private static final Set<String> KICKOFF_PARAMETERS = Set.of("_outputFormat", "_type", "_since");
  private static final Set<String> NOT_SUPPORTED =
      Set.of(
          "_typeFilter",
          "_elements",
          "patient",
          "includeAssociatedData",
          "organizeOutputBy",
          "allowPartialManifests");

  private KickoffRequest() {}

  /** 400 (OperationOutcome) for a kick-off this server does not take. */
  static void check(ServletRequestDetails request, IPrimitiveType<String> outputFormat) {
    String prefer = request.getHeader("Prefer");
    if (prefer == null
        || Arrays.stream(prefer.split("[,;]"))
            .map(String::trim)
            .noneMatch("respond-async"::equalsIgnoreCase)) {
      throw new InvalidRequestException(
          "SR-BULK-1: a Bulk Data kick-off needs the header Prefer: respond-async");
    }
    checkParameterNames(request);
    String format = outputFormat == null ? null : outputFormat.getValue();
    if (format != null) {
      // an unencoded '+' in a query string arrives as a space
      String normalized = format.trim().replace(' ', '+');
      if (!FORMATS.contains(normalized)) {
        throw new InvalidRequestException(
            "SR-BULK-2: _outputFormat "
                + format
                + " is not supported; use application/fhir+ndjson, application/ndjson or ndjson");
      }
    }
  }

  private static void checkParameterNames(ServletRequestDetails request) {
    Set<String> names = new TreeSet<>(request.getParameters().keySet());
    if (request.getRequestType() == RequestTypeEnum.POST
        && request.getResource() instanceof Parameters p) {
      p.getParameter().forEach(pp -> names.add(pp.getName()));
    }
    for (String name : names) {
      if (NOT_SUPPORTED.contains(name)) {
        throw new InvalidRequestException(
            "SR-BULK-3: parameter " + name + " is not supported by this server");
      }
      if (!KICKOFF_PARAMETERS.contains(name)) {
        throw new InvalidRequestException("SR-BULK-3: unknown parameter " + name + " for $export");
      }
    }
  }

  static List<ExportedType> types(List<IPrimitiveType<String>> values) {
    if (values == null || values.isEmpty()) {
      return ExportedType.all();
    }
    Set<ExportedType> types = EnumSet.noneOf(ExportedType.class);
    for (IPrimitiveType<String> v : values) {
      if (v == null || v.getValue() == null) {
        continue;
      }
      for (String name : v.getValue().split(",")) {
        String t = name.trim();
        if (t.isEmpty()) {
          continue;
        }
        types.add(
            ExportedType.byResourceType(t)
                .orElseThrow(
                    () ->
                        new InvalidRequestException(
                            "SR-BULK-4: _type "
                                + t
                                + " is not exported by this server (Patient, Encounter, Condition,"
                                + " Procedure, Observation)")));
      }
    }
    return types.isEmpty() ? ExportedType.all() : new ArrayList<>(types);
  }
}
