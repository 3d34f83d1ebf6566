package org.shockreg.server.subscription;

import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.shockreg.registry.notify.SubscriptionEvent;
import org.shockreg.registry.notify.SubscriptionRow;

/**
 * Notification bundles in the FHIR Subscriptions R5 Backport IG's R4 format: a {@code history}
 * Bundle whose first entry is the {@code SubscriptionStatus}-shaped Parameters ({@code type} {@code
 * event-notification}, one {@code notification-event} with {@code event-number}, {@code timestamp}
 * and, unless the payload is empty, {@code focus}), then the focus resource for full payloads (for
 * id-only: the entry without its resource). Pure.
 */
final class NotificationBundles {

  static final String BUNDLE_PROFILE =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4";
  static final String STATUS_PROFILE =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";

  private NotificationBundles() {}

  /**
   * @param base the server's public base URL, without a trailing slash
   * @param focus the focus resource as it is now, or null when it no longer exists (then the
   *     notification names it only)
   */
  static Bundle eventNotification(
      String base, SubscriptionRow sub, SubscriptionEvent event, Resource focus) {
    String fhirBase = base + "/fhir";
    String focusUrl = fhirBase + "/" + event.focusType() + "/" + event.focusId();
    Parameters status = new Parameters();
    status.setId(UUID.randomUUID().toString());
    status.getMeta().addProfile(STATUS_PROFILE);
    status
        .addParameter()
        .setName("subscription")
        .setValue(new Reference(fhirBase + "/Subscription/" + sub.id()));
    status.addParameter().setName("status").setValue(new CodeType(sub.status()));
    status.addParameter().setName("type").setValue(new CodeType("event-notification"));
    // R4 has no integer64: the IG carries event numbers as strings.
    status
        .addParameter()
        .setName("events-since-subscription-start")
        .setValue(new StringType(Long.toString(event.eventNumber())));
    ParametersParameterComponent ne = status.addParameter().setName("notification-event");
    ne.addPart()
        .setName("event-number")
        .setValue(new StringType(Long.toString(event.eventNumber())));
    ne.addPart().setName("timestamp").setValue(new InstantType(Date.from(event.occurredAt())));
    if (!SubscriptionResources.EMPTY.equals(sub.payloadContent())) {
      ne.addPart().setName("focus").setValue(new Reference(focusUrl));
    }

    Bundle b = new Bundle();
    b.setId(UUID.randomUUID().toString());
    b.getMeta().addProfile(BUNDLE_PROFILE);
    b.setType(BundleType.HISTORY);
    b.setTimestamp(new Date());
    Bundle.BundleEntryComponent first =
        b.addEntry().setFullUrl("urn:uuid:" + status.getIdElement().getIdPart());
    first.setResource(status);
    first
        .getRequest()
        .setMethod(HTTPVerb.GET)
        .setUrl(fhirBase + "/Subscription/" + sub.id() + "/$status");
    first.getResponse().setStatus("200");
    if (SubscriptionResources.EMPTY.equals(sub.payloadContent())) {
      return b;
    }
    Bundle.BundleEntryComponent entry = b.addEntry().setFullUrl(focusUrl);
    if (SubscriptionResources.FULL.equals(sub.payloadContent()) && focus != null) {
      entry.setResource(focus);
    }
    entry.getRequest().setMethod(HTTPVerb.PUT).setUrl(event.focusType() + "/" + event.focusId());
    entry.getResponse().setStatus(focus == null ? "410" : "200");
    return b;
  }
}
