package org.shockreg.server.profile;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.shockreg.server.fhir.CuratedSearchGuard;
import ca.uhn.fhir.model.api.annotation.Description;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.shockreg.server.fhir.FhirServerProperties;
import org.springframework.stereotype.Component;

/**
 * The registry's profiles and extension definitions (docs/profiles.md), with snapshots. A few dozen
 * small resources held in memory: searches filter a list and page by offset.
 */
@Component
public class StructureDefinitionProvider implements IResourceProvider {

  private final ProfileCatalog catalog;
  private final FhirServerProperties props;

  public StructureDefinitionProvider(ProfileCatalog catalog, FhirServerProperties props) {
    this.catalog = catalog;
    this.props = props;
  }

  @Override
  public Class<StructureDefinition> getResourceType() {
    return StructureDefinition.class;
  }

  @Read
  public StructureDefinition read(@IdParam IdType id) {
    return catalog
        .byId(id.getIdPart())
        .map(StructureDefinition::copy)
        .orElseThrow(
            () ->
                new ResourceNotFoundException(
                    "SR-PROF-3: StructureDefinition/" + id.getIdPart() + " is not one of the registry's profiles"));
  }

  @Search
  public IBundleProvider search(
      @Description(shortDefinition = "Logical id, e.g. shockreg-patient") @OptionalParam(name = "_id")
          TokenOrListParam id,
      @Description(shortDefinition = "Canonical URL, e.g. https://fhir.shockreg.org/StructureDefinition/shockreg-observation-lactate")
          @OptionalParam(name = StructureDefinition.SP_URL)
          UriOrListParam url,
      @Description(shortDefinition = "Computationally friendly name (starts with, case-insensitive; :exact, :contains)")
          @OptionalParam(name = StructureDefinition.SP_NAME)
          StringOrListParam name,
      @Description(shortDefinition = "The type constrained: Patient, Observation, Procedure, Condition, Encounter or Extension")
          @OptionalParam(name = StructureDefinition.SP_TYPE)
          TokenOrListParam type,
      @Offset Integer offset,
      @Count Integer count,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id", "_offset");
    List<IBaseResource> matches =
        catalog.all().stream()
            .filter(sd -> matchesToken(id, sd.getIdElement().getIdPart()))
            .filter(sd -> matchesUri(url, sd.getUrl()))
            .filter(sd -> matchesString(name, sd.getName()))
            .filter(sd -> matchesToken(type, sd.getType()))
            .<IBaseResource>map(StructureDefinition::copy)
            .toList();
    int from = offset == null ? 0 : Math.max(offset, 0);
    int size =
        count == null ? props.defaultPageSize() : Math.max(0, Math.min(count, props.maxPageSize()));
    int to = Math.min(matches.size(), from + size);
    SimpleBundleProvider page =
        new SimpleBundleProvider(from >= matches.size() ? List.of() : matches.subList(from, to));
    page.setCurrentPageOffset(from);
    page.setCurrentPageSize(size);
    page.setSize(matches.size());
    return page;
  }

  private static boolean matchesToken(TokenOrListParam tokens, String value) {
    if (tokens == null || tokens.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (TokenParam t : tokens.getValuesAsQueryTokens()) {
      if (t.getModifier() != null) {
        throw new InvalidRequestException(
            "SR-PROF-4: token modifiers (" + t.getModifier().getValue() + ") are not supported here");
      }
      if (value.equals(t.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesUri(UriOrListParam uris, String value) {
    if (uris == null || uris.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (UriParam u : uris.getValuesAsQueryTokens()) {
      if (u.getQualifier() != null) {
        throw new InvalidRequestException(
            "SR-PROF-5: uri search modifiers (" + u.getQualifier().getValue() + ") are not supported here");
      }
      if (value.equals(u.getValue())) {
        return true;
      }
    }
    return false;
  }

  /** FHIR string search: starts with, case- and accent-insensitive; {@code :exact}, {@code :contains}. */
  private static boolean matchesString(StringOrListParam strings, String value) {
    if (strings == null || strings.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (StringParam s : strings.getValuesAsQueryTokens()) {
      if (s.isExact() ? value.equals(s.getValue())
          : s.isContains() ? fold(value).contains(fold(s.getValue()))
          : fold(value).startsWith(fold(s.getValue()))) {
        return true;
      }
    }
    return false;
  }

  private static String fold(String s) {
    return java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD)
        .replaceAll("\\p{M}", "")
        .toLowerCase(Locale.ROOT);
  }
}
