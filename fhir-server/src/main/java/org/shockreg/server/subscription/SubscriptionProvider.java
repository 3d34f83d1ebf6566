package org.shockreg.server.subscription;

import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.shockreg.registry.notify.SubscriptionRow;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.server.fhir.CuratedSearchGuard;
import org.shockreg.server.security.ShockRegPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code /fhir/Subscription}: create, read, search, delete (admin; edc on its own studies'
 * ResearchSubjects, see {@code FhirAccessRules}). Created active; what it matches at creation is
 * seeded, so only later transitions into the match are notified.
 */
public class SubscriptionProvider implements IResourceProvider {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionProvider.class);

  private final SubscriptionStore store;
  private final SubscriptionResources resources;
  private final Supplier<Set<String>> knownStudies;
  private final boolean mailConfigured;
  private final SubscriptionProperties props;
  private final TransactionTemplate tx;

  SubscriptionProvider(
      SubscriptionStore store,
      SubscriptionResources resources,
      Supplier<Set<String>> knownStudies,
      boolean mailConfigured,
      SubscriptionProperties props,
      TransactionTemplate tx) {
    this.store = store;
    this.resources = resources;
    this.knownStudies = knownStudies;
    this.mailConfigured = mailConfigured;
    this.props = props;
    this.tx = tx;
  }

  @Override
  public Class<Subscription> getResourceType() {
    return Subscription.class;
  }

  @Create
  public MethodOutcome create(@ResourceParam Subscription subscription, RequestDetails request) {
    ShockRegPrincipal p = caller(request);
    SubscriptionRow row =
        resources.toRow(subscription, p, knownStudies.get(), mailConfigured, props.requireHttps());
    for (int attempt = 1; ; attempt++) {
      try {
        tx.executeWithoutResult(s -> store.create(row));
        break;
      } catch (ConcurrencyFailureException e) {
        if (attempt >= 3) {
          throw e;
        }
      }
    }
    log.info(
        "event=subscription_created subscription={} channel={} principal={}",
        row.id(),
        row.channelType(),
        p.id());
    Subscription created = resources.toResource(store.find(row.id()).orElseThrow());
    MethodOutcome out = new MethodOutcome(created.getIdElement(), true);
    out.setResource(created);
    return out;
  }

  @Read
  public Subscription read(@IdParam IdType id, RequestDetails request) {
    return resources.toResource(visible(id, request));
  }

  @Search
  public List<Subscription> search(
      @OptionalParam(name = "_id") TokenOrListParam ids,
      @OptionalParam(name = Subscription.SP_STATUS) TokenOrListParam status,
      RequestDetails request) {
    CuratedSearchGuard.checkSearch(request, "_id");
    ShockRegPrincipal p = caller(request);
    Predicate<SubscriptionRow> keep = row -> seen(p, row);
    keep = keep.and(row -> matches(ids, row.id())).and(row -> matches(status, row.status()));
    return store.list().stream().filter(keep).map(resources::toResource).toList();
  }

  @Delete
  public MethodOutcome delete(@IdParam IdType id, RequestDetails request) {
    SubscriptionRow row = visible(id, request);
    store.delete(row.id());
    log.info(
        "event=subscription_deleted subscription={} principal={}", row.id(), caller(request).id());
    OperationOutcome oo = new OperationOutcome();
    oo.addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
        .setCode(OperationOutcome.IssueType.INFORMATIONAL)
        .setDiagnostics(
            "Subscription/" + row.id() + " deleted: nothing more is matched or delivered");
    MethodOutcome out = new MethodOutcome();
    out.setOperationOutcome(oo);
    return out;
  }

  /** The subscription if this caller may see it: 404 otherwise, 410 once deleted. */
  private SubscriptionRow visible(IdType id, RequestDetails request) {
    ShockRegPrincipal p = caller(request);
    SubscriptionRow row =
        store
            .find(id.getIdPart())
            .filter(r -> seen(p, r))
            .orElseThrow(() -> new ResourceNotFoundException(id));
    if (SubscriptionRow.OFF.equals(row.status())) {
      throw new ResourceGoneException("Subscription/" + row.id() + " was deleted");
    }
    return row;
  }

  /** edc sees the subscriptions on its own studies only; admin all. */
  private static boolean seen(ShockRegPrincipal p, SubscriptionRow row) {
    return p.studyRestriction()
        .map(own -> row.studyIds() != null && own.containsAll(row.studyIds()))
        .orElse(true);
  }

  private static boolean matches(TokenOrListParam param, String value) {
    if (param == null) {
      return true;
    }
    for (TokenParam t : param.getValuesAsQueryTokens()) {
      if (t.getValue().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static ShockRegPrincipal caller(RequestDetails request) {
    return ShockRegPrincipal.of(request)
        .orElseThrow(() -> new ForbiddenOperationException("SR-AUTH-3: no caller"));
  }
}
