package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MetadataResource;

/**
 * Read and search of definitions held in memory, driven by a {@link DefinitionDeclaration}: a
 * search filters the list and answers copies, in one page or by offset. As for the curated types,
 * HAPI learns the parameters only from an annotated {@code @Search} method, so each type has a
 * subclass holding just that signature.
 */
public abstract class ServedDefinitionProvider<T extends MetadataResource>
    implements IResourceProvider {

  private final DefinitionDeclaration<T> type;

  protected ServedDefinitionProvider(DefinitionDeclaration<T> type) {
    this.type = type;
  }

  @Override
  public Class<T> getResourceType() {
    return type.type();
  }

  @Read
  public T read(@IdParam IdType id) {
    return type.byId(id.getIdPart())
        .map(ServedDefinitionProvider::copy)
        .orElseThrow(() -> new ResourceNotFoundException(type.unknown(id.getIdPart())));
  }

  /**
   * The definitions matching {@code args}; {@code offset} and {@code count} when paged by offset.
   */
  protected IBundleProvider search(SearchArguments args, Integer offset, Integer count) {
    for (String name : args.names()) {
      if (!type.parameterNames().contains(name)) {
        throw new IllegalStateException(
            type.type().getSimpleName() + " declares no search parameter " + name);
      }
    }
    CuratedSearchGuard.checkSearch(args.request(), type.resultParameters());
    List<IBaseResource> matches =
        type.all().stream()
            .filter(d -> type.matches(d, args))
            .<IBaseResource>map(ServedDefinitionProvider::copy)
            .toList();
    FhirServerProperties pages = type.pages();
    if (pages == null) {
      return new SimpleBundleProvider(matches);
    }
    int from = offset == null ? 0 : Math.max(offset, 0);
    int size =
        count == null ? pages.defaultPageSize() : Math.max(0, Math.min(count, pages.maxPageSize()));
    int to = Math.min(matches.size(), from + size);
    SimpleBundleProvider page =
        new SimpleBundleProvider(from >= matches.size() ? List.of() : matches.subList(from, to));
    page.setCurrentPageOffset(from);
    page.setCurrentPageSize(size);
    page.setSize(matches.size());
    return page;
  }

  protected IBundleProvider search(SearchArguments args) {
    return search(args, null, null);
  }

  @SuppressWarnings("unchecked")
  private static <T extends MetadataResource> T copy(T definition) {
    return (T) definition.copy();
  }
}
