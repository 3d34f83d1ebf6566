package org.shockreg.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.registry.notify.SubscriptionEvent;
import org.shockreg.registry.notify.SubscriptionRow;

/**
 * POSTs the notification Bundle to {@code channel.endpoint} with the channel's headers; any 2xx is
 * delivered. The JDK client: no connection pool state survives a failure that could reorder events,
 * and timeouts bound every attempt.
 */
final class RestHookChannel implements NotificationChannel {

  private final HttpClient http;
  private final FhirContext fhir;
  private final SubscriptionProperties props;
  private final Function<SubscriptionEvent, Resource> focus;
  private final Supplier<String> base;

  RestHookChannel(
      FhirContext fhir,
      SubscriptionProperties props,
      Function<SubscriptionEvent, Resource> focus,
      Supplier<String> base) {
    this.fhir = fhir;
    this.props = props;
    this.focus = focus;
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(props.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public Attempt send(SubscriptionRow sub, SubscriptionEvent event) {
    Resource resource =
        SubscriptionResources.FULL.equals(sub.payloadContent()) ? focus.apply(event) : null;
    String body =
        fhir.newJsonParser()
            .encodeResourceToString(
                NotificationBundles.eventNotification(base.get(), sub, event, resource));
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(sub.endpoint()))
            .timeout(props.requestTimeout())
            .header("Content-Type", "application/fhir+json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (String h : sub.headers()) {
      int colon = h.indexOf(':');
      req.header(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
    }
    try {
      HttpResponse<Void> res = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
      boolean ok = res.statusCode() / 100 == 2;
      return new Attempt(ok, res.statusCode(), ok ? null : "HTTP " + res.statusCode());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Attempt(false, null, "interrupted (server stopping)");
    } catch (Exception e) {
      return new Attempt(
          false,
          null,
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }
}
