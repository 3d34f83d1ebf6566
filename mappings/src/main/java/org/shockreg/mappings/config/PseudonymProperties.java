package org.shockreg.mappings.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The pseudonym key (base64, at least 16 bytes). Empty: generated into {@code
 * <data-dir>/pseudonym-key} on first start and read from there afterwards. It never goes into the
 * database; losing it breaks the link from new data to existing pseudonyms.
 */
@ConfigurationProperties("shockreg.pseudonym")
public record PseudonymProperties(String key) {}
