package org.shockreg.server.edc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import javax.xml.stream.XMLStreamException;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.TrialExportReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The trial EDC exports (docs/edc-exports.md), roles admin and edc of the study
 * (SecurityConfiguration): CDISC ODM 1.3.2, the REDCap-style CSV of the randomized subjects and its
 * REDCap data dictionary. Both exports are written to the response while the rows stream from the
 * database, so memory stays constant; an unknown study is 404 {@code application/problem+json}.
 *
 * <p>The handlers write the body themselves and return null (the response is then complete) or a
 * problem before anything is written. They run on the request thread, so a long export is not cut
 * by an async request timeout.
 */
@RestController
@ConditionalOnProperty(prefix = "shockreg.edc-exports", name = "enabled", matchIfMissing = true)
public class EdcExportController {

  private static final Logger log = LoggerFactory.getLogger(EdcExportController.class);
  static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8;header=present");

  private final TrialExportReader reader;
  private final MeterRegistry meters;
  private final String version = EdcExportController.class.getPackage().getImplementationVersion();

  public EdcExportController(TrialExportReader reader, ObjectProvider<MeterRegistry> meters) {
    this.reader = reader;
    this.meters = meters.getIfAvailable(SimpleMeterRegistry::new);
  }

  /** CDISC ODM 1.3.2: study metadata and one SubjectData per randomized subject. */
  @GetMapping("/edc/{studyId}/odm")
  public ResponseEntity<ProblemDetail> odm(@PathVariable String studyId, HttpServletResponse res)
      throws IOException {
    Optional<StudyDefinition> study = reader.study(studyId);
    if (study.isEmpty()) {
      return unknown(studyId);
    }
    EdcLayout layout = new EdcLayout(study.get());
    begin(res, MediaType.APPLICATION_XML_VALUE + ";charset=UTF-8", studyId + "-odm.xml");
    timed(
        studyId,
        "odm",
        () -> {
          OutputStream out = res.getOutputStream();
          try {
            OdmWriter odm = new OdmWriter(out, layout);
            odm.begin(Instant.now(), version);
            long n =
                reader.stream(
                    studyId,
                    layout.sources(),
                    row -> {
                      try {
                        odm.subject(row);
                      } catch (XMLStreamException e) {
                        throw new IOException(e);
                      }
                    });
            odm.end();
            return n;
          } catch (XMLStreamException e) {
            throw new IOException(e);
          }
        });
    return null;
  }

  /** One row per randomized subject: record_id, arm, randomization_time, the export fields. */
  @GetMapping("/edc/{studyId}/export.csv")
  public ResponseEntity<ProblemDetail> exportCsv(
      @PathVariable String studyId, HttpServletResponse res) throws IOException {
    Optional<StudyDefinition> study = reader.study(studyId);
    if (study.isEmpty()) {
      return unknown(studyId);
    }
    EdcLayout layout = new EdcLayout(study.get());
    begin(res, CSV.toString(), studyId + "-export.csv");
    timed(
        studyId,
        "csv",
        () -> {
          Writer w = writer(res);
          RedcapCsv csv = new RedcapCsv(w);
          csv.row(RedcapCsv.exportHeader(layout));
          long n =
              reader.stream(
                  studyId, layout.sources(), row -> csv.row(RedcapCsv.exportRow(layout, row)));
          w.flush();
          return n;
        });
    return null;
  }

  /** The REDCap data dictionary of export.csv. */
  @GetMapping("/edc/{studyId}/data-dictionary.csv")
  public ResponseEntity<ProblemDetail> dataDictionary(
      @PathVariable String studyId, HttpServletResponse res) throws IOException {
    Optional<StudyDefinition> study = reader.study(studyId);
    if (study.isEmpty()) {
      return unknown(studyId);
    }
    begin(res, CSV.toString(), studyId + "-data-dictionary.csv");
    Writer w = writer(res);
    RedcapCsv.writeDictionary(new EdcLayout(study.get()), w);
    w.flush();
    return null;
  }

  private static void begin(HttpServletResponse res, String contentType, String filename) {
    res.setStatus(HttpServletResponse.SC_OK);
    res.setContentType(contentType);
    res.setHeader("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    res.setHeader("Cache-Control", "no-store");
  }

  private static Writer writer(HttpServletResponse res) throws IOException {
    return new BufferedWriter(
        new OutputStreamWriter(res.getOutputStream(), StandardCharsets.UTF_8));
  }

  private interface Export {
    long write() throws IOException;
  }

  private void timed(String studyId, String format, Export export) throws IOException {
    Timer.Sample sample = Timer.start(meters);
    String outcome = "error";
    long n = -1;
    try {
      n = export.write();
      outcome = "ok";
    } finally {
      long nanos =
          sample.stop(
              Timer.builder("shockreg.edc.export")
                  .description("EDC exports written (ODM, CSV)")
                  .tag("format", format)
                  .tag("outcome", outcome)
                  .register(meters));
      log.info(
          "event=edc_export study={} format={} outcome={} subjects={} ms={}",
          studyId,
          format,
          outcome,
          n,
          nanos / 1_000_000);
    }
  }

  private static ResponseEntity<ProblemDetail> unknown(String studyId) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.NOT_FOUND, "SR-EDC-1: no study '" + studyId + "' is registered");
    problem.setTitle("Unknown study");
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
