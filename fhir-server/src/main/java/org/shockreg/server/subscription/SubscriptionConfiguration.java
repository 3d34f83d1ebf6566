package org.shockreg.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.registry.notify.SubscriptionStore;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.server.fhir.ResearchSubjectProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Screening alerts: the Subscription resource, the outbox dispatcher, its admin view
 * (docs/subscriptions.md).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SubscriptionProperties.class)
public class SubscriptionConfiguration {

  @Bean
  SubscriptionResources subscriptionResources(FhirContext fhir) {
    return new SubscriptionResources(fhir);
  }

  @Bean
  SubscriptionProvider subscriptionProvider(
      SubscriptionStore store,
      SubscriptionResources resources,
      StudyCatalog studies,
      ObjectProvider<JavaMailSender> mail,
      SubscriptionProperties props,
      PlatformTransactionManager txManager) {
    return new SubscriptionProvider(
        store,
        resources,
        () -> Set.copyOf(studies.studies().keySet()),
        mail.getIfAvailable() != null,
        props,
        new TransactionTemplate(txManager));
  }

  @Bean
  SubscriptionDispatcher subscriptionDispatcher(
      SubscriptionStore store,
      SubscriptionProperties props,
      FhirContext fhir,
      ResearchSubjectProvider subjects,
      ObjectProvider<JavaMailSender> mail,
      PlatformTransactionManager txManager,
      MeterRegistry meters,
      Environment env) {
    Supplier<String> base = () -> baseUrl(props, env);
    Map<String, NotificationChannel> channels = new HashMap<>();
    channels.put(
        "rest-hook",
        new RestHookChannel(
            fhir,
            props,
            e -> subjects.current(e.focusId()).<Resource>map(r -> r).orElse(null),
            base));
    JavaMailSender sender = mail.getIfAvailable();
    if (sender != null) {
      channels.put("email", new EmailChannel(sender, props.mailFrom(), base));
    }
    return new SubscriptionDispatcher(
        store, channels, props, new TransactionTemplate(txManager), meters);
  }

  /** The configured public URL, else this server on localhost (the port known once it listens). */
  private static String baseUrl(SubscriptionProperties props, Environment env) {
    if (props.publicBaseUrl() != null && !props.publicBaseUrl().isBlank()) {
      String u = props.publicBaseUrl().strip();
      return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
    // read when sending: the port is known once the server listens (a random one in tests)
    return "http://localhost:"
        + env.getProperty("local.server.port", env.getProperty("server.port", "8080"));
  }
}
