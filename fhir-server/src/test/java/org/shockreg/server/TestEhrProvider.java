package org.shockreg.server;

import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;

/**
 * The test EHR's search of one resource type: in memory, {@code _lastUpdated}, {@code _sort},
 * paging.
 */
public class TestEhrProvider implements IResourceProvider {

  private final Class<? extends Resource> type;
  private final TestEhr ehr;

  TestEhrProvider(Class<? extends Resource> type, TestEhr ehr) {
    this.type = type;
    this.ehr = ehr;
  }

  @Override
  public Class<? extends IBaseResource> getResourceType() {
    return type;
  }

  @Search(allowUnknownParams = true)
  public IBundleProvider search(
      @Description(shortDefinition = "when the resource last changed")
          @OptionalParam(name = "_lastUpdated")
          DateRangeParam lastUpdated,
      @Description(shortDefinition = "Observation or Procedure code, system|code, comma = OR")
          @OptionalParam(name = "code")
          ca.uhn.fhir.rest.param.TokenOrListParam code,
      @Sort SortSpec sort,
      @Count Integer count) {
    List<Resource> all = ehr.snapshot(type.getSimpleName());
    List<Resource> matches =
        all.stream()
            .filter(
                r ->
                    lastUpdated == null
                        || TestEhr.within(r.getMeta().getLastUpdated(), lastUpdated))
            .filter(r -> code == null || hasCode(r, code))
            .sorted(
                sort != null && "_lastUpdated".equals(sort.getParamName())
                    ? Comparator.comparing((Resource r) -> r.getMeta().getLastUpdated())
                        .thenComparing(r -> r.getIdElement().getIdPart())
                    : Comparator.comparing((Resource r) -> r.getIdElement().getIdPart()))
            .map(Resource::copy)
            .toList();
    return new SimpleBundleProvider(matches);
  }

  private static boolean hasCode(Resource r, ca.uhn.fhir.rest.param.TokenOrListParam code) {
    org.hl7.fhir.r4.model.CodeableConcept cc =
        r instanceof org.hl7.fhir.r4.model.Observation o
            ? o.getCode()
            : r instanceof org.hl7.fhir.r4.model.Procedure p ? p.getCode() : null;
    if (cc == null) {
      return true;
    }
    for (ca.uhn.fhir.rest.param.TokenParam t : code.getValuesAsQueryTokens()) {
      for (org.hl7.fhir.r4.model.Coding c : cc.getCoding()) {
        if (t.getValue().equals(c.getCode())
            && (t.getSystem() == null || t.getSystem().equals(c.getSystem()))) {
          return true;
        }
      }
    }
    return false;
  }
}
