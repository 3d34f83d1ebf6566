package org.shockreg.server.subscription;

import java.util.List;
import java.util.Map;
import org.shockreg.registry.notify.SubscriptionOverview;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.server.security.ShockRegPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Subscriptions for operators (admin role, as all of {@code /admin}): each one's state, counts and
 * last delivery attempt; replay after an outage.
 */
@RestController
public class SubscriptionAdminController {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionAdminController.class);

  private final SubscriptionStore store;

  public SubscriptionAdminController(SubscriptionStore store) {
    this.store = store;
  }

  @GetMapping("/admin/subscriptions")
  public List<SubscriptionOverview> subscriptions() {
    return store.overview().stream().map(SubscriptionAdminController::withoutQuery).toList();
  }

  /**
   * Back to {@code active}; undelivered events go out now in order with a fresh retry budget.
   * {@code since-event=N} also resends the delivered events from N on (a receiver that lost them).
   */
  @PostMapping("/admin/subscriptions/{id}/replay")
  public ResponseEntity<?> replay(
      @PathVariable String id,
      @RequestParam(name = "since-event", required = false) Long sinceEvent) {
    int queued = store.replay(id, sinceEvent);
    if (queued < 0) {
      ProblemDetail p =
          ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "no subscription '" + id + "'");
      return ResponseEntity.status(HttpStatus.NOT_FOUND).body(p);
    }
    log.info(
        "event=subscription_replay subscription={} queued={} principal={}",
        id,
        queued,
        ShockRegPrincipal.current().map(ShockRegPrincipal::id).orElse("anonymous"));
    return ResponseEntity.accepted()
        .body(Map.of("subscription", id, "status", "active", "queued", queued));
  }

  /**
   * Endpoints may carry credentials in their query strings: operators see scheme, host and path.
   */
  private static SubscriptionOverview withoutQuery(SubscriptionOverview o) {
    String e = o.endpoint();
    int q = e == null ? -1 : e.indexOf('?');
    if (q < 0) {
      return o;
    }
    return new SubscriptionOverview(
        o.id(),
        o.status(),
        o.criteria(),
        o.channelType(),
        e.substring(0, q) + "?...",
        o.error(),
        o.events(),
        o.delivered(),
        o.pending(),
        o.oldestPendingAt(),
        o.lastAttemptAt(),
        o.lastOutcome(),
        o.lastHttpStatus(),
        o.lastError());
  }
}
