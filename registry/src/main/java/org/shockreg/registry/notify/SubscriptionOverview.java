package org.shockreg.registry.notify;

import java.time.Instant;

/**
 * A subscription's delivery state for operators ({@code GET /admin/subscriptions}).
 *
 * @param lastOutcome {@code delivered} or {@code failed}, null before the first attempt
 */
public record SubscriptionOverview(
    String id,
    String status,
    String criteria,
    String channelType,
    String endpoint,
    String error,
    long events,
    long delivered,
    long pending,
    Instant oldestPendingAt,
    Instant lastAttemptAt,
    String lastOutcome,
    Integer lastHttpStatus,
    String lastError) {}
