package org.shockreg.server.terminology;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry's own codes that no rule file holds (derived variables, statuses, flags ...), code
 * to display, as data: {@code shockreg/terminology/fixed-codes.yaml}.
 */
final class FixedCodes {

  private static final String RESOURCE = "/shockreg/terminology/fixed-codes.yaml";
  private static final Map<String, Map<String, String>> TABLES = load();

  /** Registry variables that are derived, not measured (data-dictionary.md sections 3 and 4). */
  static final Map<String, String> DERIVED_VARIABLES = table("derived-variables");

  static final Map<String, String> CRITERION_STATUSES = table("criterion-status");
  static final Map<String, String> ENDPOINT_OUTCOMES = table("endpoint-outcome");
  static final Map<String, String> PROTOCOL_DEVIATIONS = table("protocol-deviation");
  static final Map<String, String> ETIOLOGIES = table("cs-etiology");
  static final Map<String, String> SCAI_STAGES = table("scai-stage");
  static final Map<String, String> DATA_FLAGS = table("data-flag");

  private FixedCodes() {}

  private static Map<String, Map<String, String>> load() {
    try (InputStream in = FixedCodes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      // LinkedHashMap: the CodeSystems list the codes in the file's order
      Map<String, Map<String, String>> tables =
          new ObjectMapper(new YAMLFactory())
              .readValue(in, new TypeReference<LinkedHashMap<String, Map<String, String>>>() {});
      return tables;
    } catch (IOException e) {
      throw new UncheckedIOException(RESOURCE + " is not valid YAML", e);
    }
  }

  private static Map<String, String> table(String name) {
    Map<String, String> codes = TABLES.get(name);
    if (codes == null) {
      throw new IllegalStateException(RESOURCE + " has no table " + name);
    }
    return Collections.unmodifiableMap(codes);
  }
}
