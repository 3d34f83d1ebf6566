package org.shockreg.server.edc;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The trial EDC exports (docs/edc-exports.md): {@code GET /edc/{studyId}/odm}, {@code /export.csv}
 * and {@code /data-dictionary.csv}.
 *
 * @param enabled false: the export endpoints are not served
 * @param fetchSize rows the JDBC cursor fetches per round trip
 */
@Validated
@ConfigurationProperties("shockreg.edc-exports")
public record EdcExportProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("500") @Min(1) int fetchSize) {}
