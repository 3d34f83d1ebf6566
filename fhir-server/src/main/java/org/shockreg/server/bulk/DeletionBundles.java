package org.shockreg.server.bulk;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;

/**
 * One line of a Bulk Data "deleted" file (IG 2.0): a transaction Bundle whose entries only carry a
 * DELETE request for {@code <type>/<id>}; no resource, no fullUrl, as the IG's example shows. Built
 * with HAPI's model so the parser writes valid FHIR JSON.
 */
final class DeletionBundles {

  private DeletionBundles() {}

  static Bundle bundle(String resourceType, List<String> ids) {
    Bundle bundle = new Bundle();
    bundle.setType(Bundle.BundleType.TRANSACTION);
    for (String id : ids) {
      bundle
          .addEntry()
          .getRequest()
          .setMethod(Bundle.HTTPVerb.DELETE)
          .setUrl(resourceType + "/" + id);
    }
    return bundle;
  }
}
