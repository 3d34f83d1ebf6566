package org.shockreg.server.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Request limits per principal (docs/security.md "Limits"); the intake size limits under the same
 * prefix are {@code IntakeLimits}.
 *
 * @param requestsPerMinute requests one principal may make per minute (a burst of that many, then
 *     refilled evenly); 0: no limit
 * @param maxConcurrentBulkExports Bulk export jobs one principal may have accepted or running at
 *     once; 0: no limit
 */
@ConfigurationProperties("shockreg.limits")
public record RequestLimitsProperties(
    @DefaultValue("600") int requestsPerMinute, @DefaultValue("2") int maxConcurrentBulkExports) {}
