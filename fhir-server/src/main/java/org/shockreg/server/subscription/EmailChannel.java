package org.shockreg.server.subscription;

import java.util.function.Supplier;
import org.shockreg.registry.notify.SubscriptionEvent;
import org.shockreg.registry.notify.SubscriptionRow;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * An e-mail per event (Spring Mail, SMTP as {@code spring.mail.*}). Mail leaves the registry's
 * control, so it carries no patient data at all: the study, the status and a link to the
 * ResearchSubject, which needs a token to open.
 */
final class EmailChannel implements NotificationChannel {

  private final JavaMailSender mail;
  private final String from;
  private final Supplier<String> base;

  EmailChannel(JavaMailSender mail, String from, Supplier<String> base) {
    this.mail = mail;
    this.from = from;
    this.base = base;
  }

  @Override
  public Attempt send(SubscriptionRow sub, SubscriptionEvent event) {
    SimpleMailMessage m = new SimpleMailMessage();
    m.setFrom(from);
    m.setTo(sub.endpoint().substring("mailto:".length()));
    String studies = sub.studyIds() == null ? "all studies" : String.join(", ", sub.studyIds());
    m.setSubject("ShockReg screening alert (" + studies + "), event " + event.eventNumber());
    m.setText(
        "A "
            + event.focusType()
            + " newly matches your subscription "
            + sub.criteria()
            + "\n\n"
            + "Open it (sign in with your ShockReg token): "
            + base.get()
            + "/fhir/"
            + event.focusType()
            + "/"
            + event.focusId()
            + "\n\nEvent "
            + event.eventNumber()
            + " of Subscription/"
            + sub.id()
            + ", at "
            + event.occurredAt()
            + ".\n");
    try {
      mail.send(m);
      return new Attempt(true, null, null);
    } catch (MailException e) {
      return new Attempt(false, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
