package org.shockreg.registry.notify;

import java.time.Instant;

/** One outbox row: a focus resource that newly matched a subscription, with its delivery state. */
public record SubscriptionEvent(
    String subscriptionId,
    long eventNumber,
    String focusType,
    String focusId,
    Instant occurredAt,
    int attempts,
    Instant firstFailureAt,
    Instant nextAttemptAt) {}
