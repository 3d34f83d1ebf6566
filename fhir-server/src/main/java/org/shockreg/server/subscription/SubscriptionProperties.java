package org.shockreg.server.subscription;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Screening-alert delivery ({@code shockreg.subscriptions.*}, docs/subscriptions.md).
 *
 * @param dispatch whether this instance delivers (every instance may: one delivers each event)
 * @param pollInterval how often the outbox is looked at for due events
 * @param retryFor how long a failing event is retried before its subscription turns {@code error}
 * @param initialBackoff the wait after a first failure; doubled per failure, with jitter
 * @param maxBackoff the longest wait between two attempts
 * @param connectTimeout connecting to a REST hook
 * @param requestTimeout the whole POST to a REST hook
 * @param threads subscriptions delivered in parallel (each one in order)
 * @param requireHttps refuse {@code http:} REST hooks (hospital networks: set true)
 * @param publicBaseUrl the server's URL as receivers see it (fullUrl, links in e-mails); default
 *     {@code http://localhost:<port>}
 * @param mailFrom the sender of e-mail notifications ({@code spring.mail.*} configures SMTP)
 * @param logRetention how long the delivery log and delivered events are kept (undelivered ones
 *     always are); purged hourly
 */
@ConfigurationProperties("shockreg.subscriptions")
public record SubscriptionProperties(
    @DefaultValue("true") boolean dispatch,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("24h") Duration retryFor,
    @DefaultValue("10s") Duration initialBackoff,
    @DefaultValue("30m") Duration maxBackoff,
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("10s") Duration requestTimeout,
    @DefaultValue("4") int threads,
    @DefaultValue("false") boolean requireHttps,
    String publicBaseUrl,
    @DefaultValue("shockreg@localhost") String mailFrom,
    @DefaultValue("90d") Duration logRetention) {}
