package org.shockreg.server.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.shockreg.registry.testing.TestDatabase;
import org.shockreg.server.IntegrationTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The e-mail channel against a real (in-process) SMTP server: one mail per new candidate, with a
 * link to the ResearchSubject and nothing that identifies the patient.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScreeningAlertEmailIT {

  static final String ADMIN = "it-alerts-mail-admin-0123456789";
  static final String SITE = "mail-site";
  static final GreenMail SMTP = smtp();

  static GreenMail smtp() {
    GreenMail g = new GreenMail(new ServerSetup(0, "localhost", ServerSetup.PROTOCOL_SMTP));
    g.start();
    return g;
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add(
        "shockreg.data-dir", () -> IntegrationTestSupport.newDataDir("it-alerts-mail-").toString());
    registry.add("shockreg.security.tokens[0].token", () -> ADMIN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.subscriptions.poll-interval", () -> "100ms");
    registry.add("shockreg.subscriptions.public-base-url", () -> "https://registry.example.org/");
    registry.add("shockreg.subscriptions.mail-from", () -> "alerts@registry.example.org");
    registry.add("spring.mail.host", () -> "localhost");
    registry.add("spring.mail.port", () -> SMTP.getSmtp().getPort());
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  void stopSmtp() {
    SMTP.stop();
  }

  @Test
  void aNewCandidate_isMailed_withALinkAndNoPatientIdentifier() throws Exception {
    String subscription =
        "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"screening\","
            + "\"criteria\":\"ResearchSubject?study=altshock-2&status=potential-candidate\","
            + "\"channel\":{\"type\":\"email\",\"endpoint\":\"mailto:coordinator@hospital.example.org\"}}";
    assertThat(post("/fhir/Subscription", subscription, "application/fhir+json").statusCode())
        .isEqualTo(201);

    SourceRecords candidate =
        new SourceRecords("mail-cand", Instant.now().minus(Duration.ofHours(1))).candidate();
    assertThat(post("/ingest/" + SITE, candidate.ndjson(), "application/fhir+ndjson").statusCode())
        .isEqualTo(200);

    await().atMost(Duration.ofSeconds(20)).until(() -> SMTP.getReceivedMessages().length == 1);
    MimeMessage mail = SMTP.getReceivedMessages()[0];
    assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("coordinator@hospital.example.org");
    assertThat(mail.getFrom()[0].toString()).isEqualTo("alerts@registry.example.org");
    String text = mail.getSubject() + "\n" + GreenMailUtil.getBody(mail);
    String subject =
        jdbc.queryForObject(
            "SELECT subject_id FROM research_subject WHERE study_id = 'altshock-2'", String.class);
    String patient =
        jdbc.queryForObject(
            "SELECT patient_id FROM research_subject WHERE subject_id = ?", String.class, subject);
    assertThat(text).contains("https://registry.example.org/fhir/ResearchSubject/" + subject);
    assertThat(text)
        .doesNotContain("mail-cand")
        .doesNotContain("MRN-")
        .doesNotContain(patient)
        .doesNotContain("1965");
    // delivered once: a second round sends nothing more
    await()
        .pollDelay(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> SMTP.getReceivedMessages().length == 1);
  }

  HttpResponse<String> post(String path, String body, String contentType) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
