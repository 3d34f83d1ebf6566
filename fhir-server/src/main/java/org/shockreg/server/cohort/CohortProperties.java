package org.shockreg.server.cohort;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Cohorts (docs/cohorts.md).
 *
 * @param dir directory of local cohort definition files ({@code *.yaml}), read at start next to the
 *     built-in ones; a missing directory holds none
 * @param memberLimit a Group lists its members ({@code Group.member}) only up to this many; larger
 *     cohorts give {@code quantity} alone (use {@code Group/{id}/$export} for members)
 */
@ConfigurationProperties("shockreg.cohorts")
public record CohortProperties(
    @DefaultValue("./cohorts") Path dir, @DefaultValue("10000") int memberLimit) {}
