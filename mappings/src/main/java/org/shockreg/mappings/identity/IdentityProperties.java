package org.shockreg.mappings.identity;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Patient identity across sites.
 *
 * @param sharedIdentifierSystem an identifier system every site sends for the same person (e.g. a
 *     national id, {@code urn:oid:...}); a Patient carrying it gets the pseudonym of that
 *     identifier instead of its site's, so a patient transferred from spoke to hub is one curated
 *     Patient. Empty: no cross-site linkage.
 */
@ConfigurationProperties("shockreg.identity")
public record IdentityProperties(String sharedIdentifierSystem) {}
