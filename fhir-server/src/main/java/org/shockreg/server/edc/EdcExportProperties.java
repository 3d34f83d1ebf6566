package org.shockreg.server.edc;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * The trial EDC exports (docs/edc-exports.md): {@code GET /edc/{studyId}/odm}, {@code /export.csv}
 * and {@code /data-dictionary.csv}.
 *
 * @param enabled false: the export endpoints are not served
 * @param fetchSize rows the JDBC cursor fetches per round trip
 */
@ConfigurationProperties("shockreg.edc-exports")
public record EdcExportProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("500") int fetchSize) {

  public EdcExportProperties {
    Assert.isTrue(fetchSize >= 1, "shockreg.edc-exports.fetch-size must be at least 1");
  }
}
