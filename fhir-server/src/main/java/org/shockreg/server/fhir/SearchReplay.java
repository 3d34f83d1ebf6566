package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.method.BaseMethodBinding;
import ca.uhn.fhir.rest.server.method.BaseResourceReturningMethodBinding;
import ca.uhn.fhir.rest.server.method.IParameter;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.shockreg.registry.search.AskedSearch;

/**
 * Runs a held search again as if it had just been asked: its parameters go through HAPI's method
 * binding (the same parsing, validation and provider code as any request), so what a table holds is
 * never more than request parameters, and nothing read from it is executed as SQL.
 */
final class SearchReplay {

  private SearchReplay() {}

  /**
   * The provider's answer to {@code asked}, run within {@code current} (the next-link request: its
   * server, servlet request and principal); null when the search does not page by keyset.
   */
  static KeysetBundleProvider rerun(RequestDetails current, AskedSearch asked) {
    if (!(current instanceof ServletRequestDetails servlet) || servlet.getServer() == null) {
      return null;
    }
    RestfulServer server = servlet.getServer();
    ServletRequestDetails again = new ServletRequestDetails(servlet);
    again.setResourceName(asked.resourceType());
    again.setOperation(asked.operation());
    again.setId(
        asked.instanceId() == null ? null : new IdType(asked.resourceType(), asked.instanceId()));
    Map<String, String[]> parameters = new LinkedHashMap<>();
    asked.parameters().forEach((k, v) -> parameters.put(k, v.clone()));
    again.setParameters(parameters);
    again.setRequestType(RequestTypeEnum.GET);
    again.setRestOperationType(
        asked.operation() == null
            ? RestOperationTypeEnum.SEARCH_TYPE
            : asked.instanceId() == null
                ? RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
                : RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
    again.setCompartmentName(null);
    BaseMethodBinding found = server.determineResourceMethod(again, asked.resourceType());
    if (!(found instanceof BaseResourceReturningMethodBinding binding)) {
      return null;
    }
    List<IParameter> declared = binding.getParameters();
    Object[] args = new Object[declared.size()];
    for (int i = 0; i < args.length; i++) {
      IParameter p = declared.get(i);
      if (p != null) {
        args[i] = p.translateQueryParametersIntoServerArgument(again, binding);
      }
    }
    Object result = binding.invokeServer(server, again, args);
    return result instanceof KeysetBundleProvider k ? k : null;
  }
}
