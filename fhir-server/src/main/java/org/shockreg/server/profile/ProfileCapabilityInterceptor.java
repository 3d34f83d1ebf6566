package org.shockreg.server.profile;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.shockreg.server.fhir.FhirServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Names the registry's profiles in the CapabilityStatement: {@code rest.resource.profile} is the
 * base profile of the type, {@code supportedProfile} lists every profile of the type (for
 * Observation, one per registry variable). Touches nothing else of the statement.
 */
@Component
@Interceptor
public class ProfileCapabilityInterceptor implements FhirServerInterceptor {

  private final ProfileCatalog catalog;

  public ProfileCapabilityInterceptor(ProfileCatalog catalog) {
    this.catalog = catalog;
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void nameProfiles(IBaseConformance statement) {
    if (!(statement instanceof CapabilityStatement cs)) {
      return;
    }
    for (CapabilityStatementRestComponent rest : cs.getRest()) {
      for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
        List<String> urls = catalog.profileUrls(resource.getType());
        if (urls.isEmpty()) {
          continue;
        }
        resource.setProfile(urls.get(0));
        resource.getSupportedProfile().clear();
        for (String url : urls) {
          resource.addSupportedProfile(url);
        }
      }
    }
  }
}
