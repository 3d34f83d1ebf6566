package org.shockreg.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType;
import org.hl7.fhir.r4.model.Subscription.SubscriptionStatus;
import org.shockreg.registry.notify.SubscriptionRow;
import org.shockreg.server.security.ShockRegPrincipal;

/**
 * Between the R4 Subscription a client sends and reads and the stored {@link SubscriptionRow}:
 * validation at creation (400 with the reason), the payload content of the R5 Backport IG, and
 * header values that may hold credentials masked on the way out.
 */
final class SubscriptionResources {

  static final String PAYLOAD_CONTENT =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
  static final String FULL = "full-resource";
  static final String ID_ONLY = "id-only";
  static final String EMPTY = "empty";

  private static final Set<String> PAYLOAD_TYPES =
      Set.of("application/fhir+json", "application/json");
  private static final Pattern HEADER =
      Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \\t]*([^\\r\\n]*)");
  private static final Pattern SECRET_HEADER =
      Pattern.compile(
          "(?i)authorization|proxy-authorization|cookie|.*(token|secret|key|password).*");
  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "connection",
          "content-length",
          "content-type",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding");
  private static final Pattern MAILTO = Pattern.compile("mailto:[^@\\s,;]+@[^@\\s,;]+");

  private final FhirContext fhir;

  SubscriptionResources(FhirContext fhir) {
    this.fhir = fhir;
  }

  /** Validates a Subscription to create; the server assigns id and status. */
  SubscriptionRow toRow(
      Subscription s,
      ShockRegPrincipal owner,
      Set<String> knownStudies,
      boolean mailConfigured,
      boolean requireHttps) {
    SubscriptionCriteria criteria;
    try {
      criteria = SubscriptionCriteria.parse(s.getCriteria(), knownStudies);
    } catch (SubscriptionCriteria.InvalidCriteria e) {
      throw invalid(e.getMessage());
    }
    if (owner.studyRestriction().isPresent()) {
      Set<String> mine = owner.studyRestriction().get();
      if (criteria.studyIds() == null || !mine.containsAll(criteria.studyIds())) {
        throw invalid(
            "role edc may subscribe only to ResearchSubjects of its own studies: name them in study=");
      }
    }
    if (s.hasEnd() && s.getEnd().toInstant().isBefore(Instant.now())) {
      throw invalid("Subscription.end is in the past");
    }
    Subscription.SubscriptionChannelComponent channel = s.getChannel();
    if (!channel.hasType()) {
      throw invalid("Subscription.channel.type is required (rest-hook or email)");
    }
    String endpoint = channel.getEndpoint();
    if (channel.getType() == SubscriptionChannelType.RESTHOOK) {
      checkRestHook(endpoint, requireHttps);
    } else if (channel.getType() == SubscriptionChannelType.EMAIL) {
      if (endpoint == null || !MAILTO.matcher(endpoint).matches()) {
        throw invalid("an email channel needs channel.endpoint mailto:<address>");
      }
      if (!mailConfigured) {
        throw invalid("email notifications are not configured on this server (spring.mail.host)");
      }
    } else {
      throw invalid(
          "channel.type "
              + channel.getType().toCode()
              + " is not supported: use rest-hook or email");
    }
    List<String> headers = new ArrayList<>();
    for (StringType h : channel.getHeader()) {
      if (h.getValue() == null || !HEADER.matcher(h.getValue()).matches()) {
        throw invalid("channel.header must be 'Name: value' on one line");
      }
      String name = h.getValue().substring(0, h.getValue().indexOf(':')).toLowerCase(Locale.ROOT);
      if (RESERVED_HEADERS.contains(name)) {
        throw invalid("channel.header " + name + " is set by the server");
      }
      headers.add(h.getValue());
    }
    String content = payloadContent(channel);
    Subscription stored = s.copy();
    String id = UUID.randomUUID().toString();
    stored.setId(id);
    stored.setStatus(SubscriptionStatus.ACTIVE);
    stored.setError(null);
    stored.setMeta(null);
    return new SubscriptionRow(
        id,
        SubscriptionRow.ACTIVE,
        criteria.resourceType(),
        s.getCriteria().strip(),
        criteria.studyIds(),
        criteria.statuses(),
        channel.getType().toCode(),
        endpoint,
        content,
        headers,
        s.hasEnd() ? s.getEnd().toInstant() : null,
        owner.id(),
        null,
        0,
        fhir.newJsonParser().encodeResourceToString(stored),
        null);
  }

  private static void checkRestHook(String endpoint, boolean requireHttps) {
    URI uri;
    try {
      uri = endpoint == null ? null : new URI(endpoint);
    } catch (Exception e) {
      uri = null;
    }
    String scheme =
        uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri == null
        || uri.getHost() == null
        || !(scheme.equals("https") || scheme.equals("http"))) {
      throw invalid("a rest-hook needs channel.endpoint, an absolute http(s) URL");
    }
    if (requireHttps && !scheme.equals("https")) {
      throw invalid(
          "this server sends notifications over https only (shockreg.subscriptions.require-https)");
    }
  }

  /**
   * The Backport IG's payload content: its extension if given; else {@code full-resource} with a
   * payload type and {@code id-only} without (the contract names a focus in every notification).
   */
  private static String payloadContent(Subscription.SubscriptionChannelComponent channel) {
    String payload = channel.getPayload();
    if (payload != null
        && !PAYLOAD_TYPES.contains(payload.toLowerCase(Locale.ROOT).split(";")[0].strip())) {
      throw invalid(
          "channel.payload " + payload + " is not supported: application/fhir+json or none");
    }
    Extension e = channel.getPayloadElement().getExtensionByUrl(PAYLOAD_CONTENT);
    if (e != null) {
      String code = e.getValue() == null ? "" : e.getValue().primitiveValue();
      if (!Set.of(FULL, ID_ONLY, EMPTY).contains(code)) {
        throw invalid("payload content " + code + " is not one of full-resource, id-only, empty");
      }
      if (FULL.equals(code) && payload == null) {
        throw invalid("payload content full-resource needs channel.payload application/fhir+json");
      }
      return code;
    }
    return payload == null ? ID_ONLY : FULL;
  }

  /** The stored Subscription with its current status and error; credentials in headers masked. */
  Subscription toResource(SubscriptionRow row) {
    Subscription s = fhir.newJsonParser().parseResource(Subscription.class, row.resourceJson());
    s.setId(row.id());
    s.setStatus(SubscriptionStatus.fromCode(row.status()));
    s.setError(row.error());
    if (row.lastUpdated() != null) {
      s.getMeta().setLastUpdated(java.util.Date.from(row.lastUpdated()));
    }
    for (StringType h : s.getChannel().getHeader()) {
      var m = HEADER.matcher(h.getValueAsString() == null ? "" : h.getValueAsString());
      if (m.matches() && SECRET_HEADER.matcher(m.group(1)).matches()) {
        h.setValue(m.group(1) + ": ****");
      }
    }
    return s;
  }

  private static InvalidRequestException invalid(String message) {
    return new InvalidRequestException("SR-SUB-1: " + message);
  }
}
