package org.shockreg.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.shockreg.ingest.demo.DemoCohortLoader;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.store.RegistryWriter;
import org.shockreg.registry.testing.TestDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The web console in a real browser (headless Debian chromium through chromedriver) against the app
 * on a random port with the demo cohort: sign in with a token, see the demo sites and a pull source
 * and run it, view and replay a dead letter, open a cohort's charts, open a study's interim report
 * and go from its board to a patient's timeline. Skipped (assumption) only where chromium or
 * chromedriver is not installed; .ci/run installs both. On a failure the page is saved as
 * target/console-screenshots/{test}.png.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {

  private static final Logger log = LoggerFactory.getLogger(ConsoleBrowserIT.class);
  static final String TOKEN = "it-admin-token-console-0123456789";
  static final String ANALYST_TOKEN = "it-analyst-token-console-0123456789";
  static final Duration WAIT = Duration.ofSeconds(20);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    TestDatabase.register(registry);
    registry.add("shockreg.data-dir", ConsoleBrowserIT::dataDir);
    registry.add("shockreg.mappings.sites-dir", SITES_DIR::toString);
    registry.add("shockreg.security.tokens[0].token", () -> TOKEN);
    registry.add("shockreg.security.tokens[0].role", () -> "admin");
    registry.add("shockreg.security.tokens[1].token", () -> ANALYST_TOKEN);
    registry.add("shockreg.security.tokens[1].role", () -> "analyst");
    registry.add("shockreg.demo", () -> "true");
    registry.add(
        "shockreg.demo-force", () -> "true"); // the test database is configured, not embedded
    registry.add("shockreg.demo-cohort.patients", () -> "60");
    registry.add("shockreg.demo-cohort.trial-subjects", () -> "24");
    registry.add("shockreg.mllp.port", () -> "-1");
    // an HL7 v2 sending facility: listed (with no message yet) beside the pull sources
    registry.add("shockreg.mllp.facilities.LABHOSP", () -> "console-lab");
    // a pull source whose EHR is down (nothing listens on the discard port): its run fails fast
    registry.add("shockreg.sources.ehr-down.type", () -> "fhir-rest");
    registry.add("shockreg.sources.ehr-down.base-url", () -> "http://127.0.0.1:9/fhir");
    registry.add("shockreg.sources.ehr-down.schedule", () -> "24h");
  }

  /** Site mapping files the console writes (a fresh, empty folder). */
  static final Path SITES_DIR = Path.of(dataDir()).resolve("sites");

  static String dataDir() {
    try {
      Path target = Path.of("target").toAbsolutePath();
      Files.createDirectories(target);
      return Files.createTempDirectory(target, "it-console-").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired RegistryWriter writer;
  @Autowired DemoCohortLoader demo;

  WebDriver browser;
  WebDriverWait wait;

  @RegisterExtension
  final AfterTestExecutionCallback screenshotOnFailure =
      context -> {
        if (context.getExecutionException().isPresent() && browser != null) {
          Path dir = Path.of("target", "console-screenshots");
          Files.createDirectories(dir);
          Path png = dir.resolve(context.getRequiredTestMethod().getName() + ".png");
          Files.write(png, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
          log.info("event=console_screenshot file={}", png.toAbsolutePath());
        }
      };

  @BeforeAll
  void startBrowser() {
    Optional<Path> chromium = onPath("chromium", "chromium-browser");
    Optional<Path> driver = onPath("chromedriver");
    Assumptions.assumeTrue(
        chromium.isPresent() && driver.isPresent(),
        "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.get().toFile());
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.get().toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, WAIT);
    assertThat(demo.isLoaded()).as("demo cohort loaded before the server answers").isTrue();
  }

  @AfterAll
  void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  @Order(1)
  void signIn_refusesAWrongToken_thenShowsTheDemoSitesAndAPullSource() {
    browser.get(url("/console/"));
    WebElement token = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    token.sendKeys("not-a-token-of-this-server");
    browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "refused"));
    assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();

    signIn();
    WebElement sites =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("intake-sites")));
    List<String> demoSites =
        jdbc.queryForList("SELECT site_id FROM site WHERE origin = 'demo'", String.class);
    assertThat(demoSites).isNotEmpty();
    assertThat(sites.getText()).contains(demoSites);
    assertThat(browser.findElement(By.id("pull-sources")).getText())
        .contains("ehr-down")
        .contains("idle")
        .doesNotContain("LABHOSP");
    assertThat(browser.findElement(By.id("mllp-sources")).getText())
        .contains("LABHOSP")
        .contains("console-lab");
    assertThat(browser.findElements(By.cssSelector("#chart-site-resources canvas"))).isNotEmpty();
    // the live intake chart: the demo cohort came in through intake in this instance
    WebElement activity =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#chart-intake-activity [role=img]")));
    assertThat(activity.getAttribute("aria-label")).containsPattern("received [1-9][0-9]*");
    assertThat(browser.findElements(By.cssSelector("#chart-intake-activity canvas"))).isNotEmpty();
  }

  @Test
  @Order(2)
  void runNow_startsAPull_andShowsHowItEnded() {
    open("sources");
    wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[data-action=run][data-source=ehr-down]")))
        .click();
    WebElement result =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("run-result")));
    assertThat(result.getText()).contains("ehr-down").contains("finished").contains("failed");
    assertThat(browser.findElement(By.id("pull-sources")).getText()).contains("failed");
  }

  @Test
  @Order(3)
  void deadLetter_isShownWithItsPayload_andReplayedIntoTheRegistry() {
    String payload =
        "{\"resourceType\":\"Patient\",\"id\":\"console-replay-1\",\"gender\":\"female\"}";
    long id =
        writer.deadLetter(
            DeadLetter.of(
                "demo-paris",
                "http",
                "POST /ingest/demo-paris",
                "application/fhir+json",
                payload.getBytes(StandardCharsets.UTF_8),
                "test-fixed",
                "a cause that has since been fixed",
                "Patient",
                "console-replay-1"));
    open("dead-letters");
    wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[aria-label='View dead letter " + id + "']")))
        .click();
    WebElement detail =
        wait.until(
            ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#dead-letter-detail pre.payload")));
    assertThat(detail.getText()).contains("console-replay-1");
    assertThat(browser.findElement(By.id("dead-letter-detail")).getText())
        .contains("a cause that has since been fixed");

    browser
        .findElement(By.cssSelector("button[aria-label='Replay dead letter " + id + "']"))
        .click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("replay-result"), "taken into the registry"));
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM dead_letter WHERE dead_letter_id = ?", String.class, id))
        .isEqualTo("replayed");
    // the open list no longer holds it
    wait.until(
        d ->
            d.findElements(By.cssSelector("button[aria-label='Replay dead letter " + id + "']"))
                .isEmpty());
  }

  @Test
  @Order(4)
  void unmappedCodes_areListedPerSite() {
    open("unmapped-codes");
    String site = jdbc.queryForObject("SELECT min(site_id) FROM unmapped_code", String.class);
    Assumptions.assumeTrue(site != null, "the demo has no unmapped codes");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("unmapped-" + site)));
    WebElement section =
        browser.findElement(By.cssSelector("section[aria-labelledby='unmapped-" + site + "']"));
    assertThat(section.getText()).startsWith(site + ":");
    // a draft of the site-file entry for the first code
    WebElement draft = section.findElement(By.cssSelector("details"));
    draft.findElement(By.tagName("summary")).click();
    assertThat(draft.findElement(By.tagName("pre")).getText())
        .contains("mappings/sites/" + site + ".yaml")
        .contains("code: ");
    // saved to the site file (the first target of its kind; a measurement sent in %)
    for (WebElement unit : draft.findElements(By.cssSelector("input[id$='-unit']"))) {
      unit.sendKeys("%");
    }
    draft.findElement(By.xpath(".//button[normalize-space()='Save to the site file']")).click();
    WebElement saved =
        wait.until(
            d ->
                draft.findElements(By.cssSelector("[role=status], .error")).stream()
                    .findFirst()
                    .orElse(null));
    assertThat(saved.getText()).startsWith("Saved to mappings/sites/" + site + ".yaml");
    assertThat(SITES_DIR.resolve(site + ".yaml")).exists();
  }

  @Test
  @Order(5)
  void cohort_showsItsTableOneAndCharts() {
    open("cohorts/hf-cs");
    WebElement table1 =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("cohort-table-1")));
    assertThat(table1.getText()).contains("Patients").contains("SCAI stage").contains("tMCS: iabp");
    for (String chart :
        List.of(
            "chart-age",
            "chart-lvef",
            "chart-lactate",
            "chart-scai",
            "chart-tmcs",
            "chart-etiology")) {
      WebElement figure = browser.findElement(By.id(chart));
      assertThat(figure.findElements(By.tagName("canvas"))).as(chart).isNotEmpty();
      assertThat(figure.findElement(By.cssSelector("[role=img]")).getAttribute("aria-label"))
          .as(chart)
          .isNotBlank();
    }
    assertThat(
            browser
                .findElement(By.cssSelector("#chart-scai [role=img]"))
                .getAttribute("aria-label"))
        .contains("SCAI stage at diagnosis: A ");
  }

  @Test
  @Order(6)
  void study_showsTheInterimReport_andOpensAPatientFromTheBoard() {
    open("studies/altshock-2");
    WebElement consort =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("consort")));
    Integer randomized =
        jdbc.queryForObject(
            "SELECT count(*) FROM research_subject WHERE study_id = 'altshock-2' AND randomized_at IS NOT NULL",
            Integer.class);
    assertThat(consort.getText()).contains("Randomized: " + randomized).contains("early-iabp");
    assertThat(browser.findElement(By.id("baseline-table")).getText()).contains("LVEF");
    assertThat(browser.findElement(By.id("endpoint-table")).getText()).contains("standard-care");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("screening-board")));
    assertThat(browser.findElements(By.cssSelector("#chart-km canvas"))).isNotEmpty();

    WebElement patient =
        browser.findElement(By.cssSelector("#randomized-table a[href^='#patient/']"));
    String patientId = patient.getAttribute("href").replaceAll(".*#patient/", "");
    patient.click();
    WebElement timeline =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("patient-timeline")));
    assertThat(timeline.findElements(By.cssSelector("tbody tr"))).isNotEmpty();
    assertThat(browser.findElement(By.cssSelector("[data-view=patient] h2")).getText())
        .contains(patientId);
  }

  @Test
  @Order(7)
  void analyst_seesNoAdminSections_andLandsOnTheStudies() {
    open("studies");
    browser.findElement(By.id("sign-out")).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "Signed out"));
    browser.get(url("/console/"));
    signIn(ANALYST_TOKEN);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("consort")));
    assertThat(browser.getCurrentUrl()).endsWith("#studies");
    assertThat(browser.findElement(By.cssSelector("#nav a[href='#sources']")).isDisplayed())
        .isFalse();
    assertThat(browser.findElement(By.cssSelector("#nav a[href='#cohorts']")).isDisplayed())
        .isTrue();
  }

  @Test
  @Order(8)
  void browserLog_hasNoScriptErrors() {
    // everything the tests above did, as the browser saw it: only the refused sign-in (401) and
    // the analyst's role check (403 on /admin/sources) are errors
    List<String> severe =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .map(LogEntry::getMessage)
            .filter(m -> !m.contains("status of 401") && !m.contains("status of 403"))
            .toList();
    assertThat(severe).isEmpty();
  }

  void signIn() {
    signIn(TOKEN);
  }

  void signIn(String bearer) {
    WebElement token = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    token.clear();
    token.sendKeys(bearer);
    browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
  }

  /** A console view by its hash route; signs in first if this tab has no token yet. */
  void open(String route) {
    browser.get(url("/console/#" + route));
    wait.until(
        d ->
            d.findElement(By.id("nav")).isDisplayed()
                || d.findElement(By.id("sign-in")).isDisplayed());
    if (!browser.findElement(By.id("nav")).isDisplayed()) {
      signIn();
    }
  }

  String url(String path) {
    return "http://localhost:" + port + path;
  }

  static Optional<Path> onPath(String... names) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    return Stream.of(path.split(File.pathSeparator))
        .flatMap(dir -> Stream.of(names).map(n -> Path.of(dir, n)))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
