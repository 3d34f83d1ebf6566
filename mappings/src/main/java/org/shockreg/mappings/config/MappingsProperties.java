package org.shockreg.mappings.config;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Mapping rules configuration.
 *
 * @param sitesDir the directory of site mapping files ({@code <site>.yaml}: a site's local codes,
 *     see docs/local-codes.md). Default {@code ./mappings/sites}, the repository's own folder when
 *     the server runs from the repository root. A directory that does not exist holds no site
 *     files; reload with {@code POST /admin/mappings/reload}.
 */
@ConfigurationProperties("shockreg.mappings")
public record MappingsProperties(@DefaultValue(DEFAULT_SITES_DIR) Path sitesDir) {

  public static final String DEFAULT_SITES_DIR = "./mappings/sites";

  public MappingsProperties {
    if (sitesDir == null || sitesDir.toString().isBlank()) {
      sitesDir = Path.of(DEFAULT_SITES_DIR);
    }
    if (sitesDir.toFile().isFile()) {
      throw new IllegalArgumentException(
          "shockreg.mappings.sites-dir must be a directory, but " + sitesDir + " is a file");
    }
  }
}
