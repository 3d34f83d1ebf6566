package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriOrListParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.MetadataResource;

/**
 * Definitions the server holds in memory (code systems, concept maps, profiles) as a declaration:
 * where they come from, the message of an unknown id, and each search parameter as a match on the
 * definition (exact values, OR within a comma list). {@link ServedDefinitionProvider} serves it.
 */
public final class DefinitionDeclaration<T extends MetadataResource> {

  /** Whether one definition matches one search parameter's value (null when absent: it does). */
  @FunctionalInterface
  interface Match<T> {
    boolean test(T definition, Object value);
  }

  private record Parameter<T>(String name, Match<T> match) {}

  private final Class<T> type;
  private final Supplier<List<T>> all;
  private final Function<String, Optional<T>> byId;
  private final Function<String, String> unknown;
  private final List<Parameter<T>> parameters = new ArrayList<>();
  private final Set<String> resultParameters = new LinkedHashSet<>();
  private FhirServerProperties pages;

  private DefinitionDeclaration(
      Class<T> type,
      Supplier<List<T>> all,
      Function<String, Optional<T>> byId,
      Function<String, String> unknown) {
    this.type = type;
    this.all = all;
    this.byId = byId;
    this.unknown = unknown;
  }

  /** {@code unknown}: the not-found message for an id. */
  public static <T extends MetadataResource> DefinitionDeclaration<T> of(
      Class<T> type,
      Supplier<List<T>> all,
      Function<String, Optional<T>> byId,
      Function<String, String> unknown) {
    return new DefinitionDeclaration<>(type, all, byId, unknown);
  }

  /**
   * A token parameter matching {@code value} exactly; {@code modifierError} is the error code for a
   * modifier ({@code :not} ...), or null to ignore modifiers.
   */
  public DefinitionDeclaration<T> token(
      String name, Function<T, String> value, String modifierError) {
    return add(name, (d, v) -> matchesToken((TokenOrListParam) v, value.apply(d), modifierError));
  }

  /**
   * A uri parameter matching any of {@code values}; a modifier answers 400 with {@code
   * modifierError}.
   */
  public DefinitionDeclaration<T> uri(
      String name, Function<T, Collection<String>> values, String modifierError) {
    return add(name, (d, v) -> matchesUri((UriOrListParam) v, values.apply(d), modifierError));
  }

  /**
   * A string parameter: starts with, case- and accent-insensitive; {@code :exact}, {@code
   * :contains}.
   */
  public DefinitionDeclaration<T> string(String name, Function<T, String> value) {
    return add(name, (d, v) -> matchesString((StringOrListParam) v, value.apply(d)));
  }

  /** The {@code _}-parameters the search takes besides those HAPI applies to every search. */
  public DefinitionDeclaration<T> resultParameters(String... names) {
    resultParameters.addAll(List.of(names));
    return this;
  }

  /**
   * Pages by {@code _offset} and {@code _count} (page sizes of {@code pages}) instead of one page.
   */
  public DefinitionDeclaration<T> pagedByOffset(FhirServerProperties pages) {
    this.pages = pages;
    return this;
  }

  private DefinitionDeclaration<T> add(String name, Match<T> match) {
    parameters.add(new Parameter<>(name, match));
    return this;
  }

  Class<T> type() {
    return type;
  }

  List<T> all() {
    return all.get();
  }

  Optional<T> byId(String id) {
    return byId.apply(id);
  }

  String unknown(String id) {
    return unknown.apply(id);
  }

  String[] resultParameters() {
    return resultParameters.toArray(String[]::new);
  }

  FhirServerProperties pages() {
    return pages;
  }

  Set<String> parameterNames() {
    Set<String> names = new LinkedHashSet<>();
    parameters.forEach(p -> names.add(p.name()));
    return names;
  }

  /** Whether {@code definition} matches every parameter of {@code args}, in declaration order. */
  boolean matches(T definition, SearchArguments args) {
    for (Parameter<T> p : parameters) {
      if (!p.match().test(definition, args.value(p.name()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean matchesToken(TokenOrListParam tokens, String value, String modifierError) {
    if (tokens == null || tokens.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (TokenParam t : tokens.getValuesAsQueryTokens()) {
      if (modifierError != null && t.getModifier() != null) {
        throw new InvalidRequestException(
            modifierError
                + ": token modifiers ("
                + t.getModifier().getValue()
                + ") are not supported here");
      }
      if (value.equals(t.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesUri(
      UriOrListParam uris, Collection<String> values, String modifierError) {
    if (uris == null || uris.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (UriParam u : uris.getValuesAsQueryTokens()) {
      if (u.getQualifier() != null) {
        throw new InvalidRequestException(
            modifierError
                + ": uri search modifiers ("
                + u.getQualifier().getValue()
                + ") are not supported here");
      }
      if (values.contains(u.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesString(StringOrListParam strings, String value) {
    if (strings == null || strings.getValuesAsQueryTokens().isEmpty()) {
      return true;
    }
    for (StringParam s : strings.getValuesAsQueryTokens()) {
      if (s.isExact()
          ? value.equals(s.getValue())
          : s.isContains()
              ? fold(value).contains(fold(s.getValue()))
              : fold(value).startsWith(fold(s.getValue()))) {
        return true;
      }
    }
    return false;
  }

  private static String fold(String s) {
    return Normalizer.normalize(s, Normalizer.Form.NFD)
        .replaceAll("\\p{M}", "")
        .toLowerCase(Locale.ROOT);
  }
}
