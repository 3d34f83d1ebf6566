package org.shockreg.server.fhir;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The curated FHIR API.
 *
 * @param defaultPageSize entries per page when {@code _count} is not given
 * @param maxPageSize the largest {@code _count} honoured
 * @param searchTtl how long a search's next links stay valid
 * @param maxHeldSearches how many searches are held in memory for paging at once
 * @param persistSearches also hold searches with a next page in PostgreSQL, so next links survive a
 *     restart and work on every instance over the same database
 * @param codeTallyCompactionInterval how often the Observation count deltas are folded into one row
 *     per code (counts are exact either way; folding keeps them a sum of few rows)
 * @param renderedSearchJson write search pages (JSON, not pretty, no {@code _summary}/{@code
 *     _elements}) with each curated entry rendered straight from its row instead of by HAPI's
 *     encoder: the same JSON, at half the server CPU per search
 */
@ConfigurationProperties("shockreg.fhir")
public record FhirServerProperties(
    @DefaultValue("50") int defaultPageSize,
    @DefaultValue("1000") int maxPageSize,
    @DefaultValue("1h") Duration searchTtl,
    @DefaultValue("10000") int maxHeldSearches,
    @DefaultValue("true") boolean persistSearches,
    @DefaultValue("5m") Duration codeTallyCompactionInterval,
    @DefaultValue("true") boolean renderedSearchJson) {}
