package org.shockreg.registry.notify;

import java.time.Instant;
import java.util.List;

/**
 * A stored Subscription: its criteria parsed into what the outbox matches on (null lists match
 * any), the channel, and the submitted resource as JSON (what a read gives back).
 *
 * @param status {@code active}, {@code error} (delivery gave up; events kept for replay) or {@code
 *     off} (deleted)
 * @param payloadContent {@code full-resource}, {@code id-only} or {@code empty}
 * @param owner the principal that created it ({@code token:<name>}, {@code jwt:<iss>#<sub>})
 */
public record SubscriptionRow(
    String id,
    String status,
    String resourceType,
    String criteria,
    List<String> studyIds,
    List<String> statuses,
    String channelType,
    String endpoint,
    String payloadContent,
    List<String> headers,
    Instant endAt,
    String owner,
    String error,
    long eventCount,
    String resourceJson,
    Instant lastUpdated) {

  public static final String ACTIVE = "active";
  public static final String ERROR = "error";
  public static final String OFF = "off";
}
