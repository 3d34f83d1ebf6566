package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.RequiredParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;

/**
 * Read and search of any curated type, driven by its {@link CuratedTypeDeclaration}. HAPI's plain
 * server learns a type's search parameters, includes and documentation only from an annotated
 * {@code @Search} method, so each type has a subclass holding just that signature, which hands its
 * arguments to {@link #search(SearchArguments)}; everything else happens here.
 */
public abstract class CuratedResourceProvider<T extends IBaseResource>
    implements IResourceProvider {

  private final CuratedTypeDeclaration<T> type;
  private final RegistryReader reader;

  protected CuratedResourceProvider(CuratedTypeDeclaration<T> type, RegistryReader reader) {
    this.type = type;
    this.reader = reader;
    requireSignatureMatches();
  }

  @Override
  public Class<T> getResourceType() {
    return type.type();
  }

  /** The resource of that id (a resource the caller may not see is not found). */
  @Read
  public T read(@IdParam IdType id, RequestDetails request) {
    T found = reader.analystRead(() -> type.readRule().read(id, this::byId));
    if (!type.visible().test(found, request)) {
      throw new ResourceNotFoundException(id);
    }
    return found;
  }

  /** The resource as it is now, for a notification (no caller: the subscription was authorized). */
  public Optional<T> current(String id) {
    try {
      return Optional.of(type.readRule().read(new IdType(type.resourceType(), id), this::byId));
    } catch (ResourceNotFoundException e) {
      return Optional.empty();
    }
  }

  private T byId(IdType id) {
    return reader.read(type.table(), type.idColumn(), type.columns(), type.rows(), id);
  }

  /**
   * The search the subclass's signature received: keyset pages, or one page for a handful of rows.
   */
  protected IBundleProvider search(SearchArguments args) {
    for (String name : args.names()) {
      if (!type.parameters().contains(name)) {
        throw new IllegalStateException(
            type.resourceType() + " declares no search parameter " + name);
      }
    }
    // pages read later (KeysetBundleProvider) are analyst reads of their own
    return reader.analystRead(() -> searchNow(args));
  }

  private IBundleProvider searchNow(SearchArguments args) {
    type.guard().accept(args.request());
    SqlSearch s = type.search(args);
    if (type.onePageOrder() != null) {
      return new SimpleBundleProvider(
          List.<IBaseResource>copyOf(reader.all(s, type.columns(), type.onePageOrder())));
    }
    return reader.search(s, args.summary(), args.total(), args.request());
  }

  /** The declaration and the subclass's {@code @Search} signature name the same parameters. */
  private void requireSignatureMatches() {
    Set<String> signature = new LinkedHashSet<>();
    for (Method m : getClass().getMethods()) {
      if (m.isAnnotationPresent(Search.class)) {
        for (Annotation[] annotations : m.getParameterAnnotations()) {
          for (Annotation a : annotations) {
            if (a instanceof OptionalParam o) {
              signature.add(o.name());
            } else if (a instanceof RequiredParam r) {
              signature.add(r.name());
            }
          }
        }
      }
    }
    if (!signature.equals(type.parameters())) {
      throw new IllegalStateException(
          type.resourceType()
              + ": the search signature names "
              + signature
              + ", the declaration "
              + type.parameters());
    }
  }
}
