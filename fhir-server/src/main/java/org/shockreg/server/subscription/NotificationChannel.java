package org.shockreg.server.subscription;

import org.shockreg.registry.notify.SubscriptionEvent;
import org.shockreg.registry.notify.SubscriptionRow;

/** How one event reaches a subscriber (REST hook, e-mail). */
interface NotificationChannel {

  /**
   * The outcome of one attempt.
   *
   * @param httpStatus the receiver's HTTP status, null when there was none (e-mail, no connection)
   * @param error why it failed, without URLs' query strings; null when delivered
   */
  record Attempt(boolean delivered, Integer httpStatus, String error) {}

  Attempt send(SubscriptionRow subscription, SubscriptionEvent event);
}
