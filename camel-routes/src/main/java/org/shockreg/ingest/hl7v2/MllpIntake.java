package org.shockreg.ingest.hl7v2;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.UnknownSourceException;
import org.shockreg.mappings.MappingEngine;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.Hl7MessageStore;
import org.shockreg.registry.store.RegistryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;

/**
 * Takes in one HL7 v2 message (an MLLP frame's bytes) and answers its ACK: decode by MSH-18, parse,
 * find the source by the sending facility, answer a resend from the record, convert to FHIR and run
 * it through the same {@link IntakePipeline} as {@code POST /ingest/{sourceId}}. AA only after the
 * pipeline committed; AE (with ERR per rejected resource) for content errors; AR for what cannot be
 * taken in at all. AE and AR messages go to the dead-letter store, replayable (docs/hl7v2.md).
 */
public class MllpIntake {

  public static final String CHANNEL = Hl7MessageStore.CHANNEL;

  /**
   * Dead letters of this content type are whole HL7 v2 messages, replayed through {@link #replay}.
   */
  public static final String CONTENT_TYPE = "application/hl7-v2";

  private static final Logger log = LoggerFactory.getLogger(MllpIntake.class);

  private final IntakePipeline pipeline;
  private final RegistryWriter writer;
  private final Hl7MessageStore store;
  private final MllpProperties props;
  private final MllpFacilities facilities;
  private final MeterRegistry meters;

  public MllpIntake(
      IntakePipeline pipeline,
      MappingEngine engine,
      RegistryWriter writer,
      Hl7MessageStore store,
      MllpProperties props,
      ObjectMapper json,
      MeterRegistry meters) {
    this.pipeline = pipeline;
    this.writer = writer;
    this.store = store;
    this.props = props;
    this.facilities = new MllpFacilities(engine, store, props, json);
    this.meters = meters;
  }

  /** The ACK to send: its text, code and the charset to write it in. */
  public record Result(String ack, String code, Charset charset) {
    public byte[] bytes() {
      return ack.getBytes(charset);
    }
  }

  /** A message received over MLLP. */
  public Result receive(byte[] frame) {
    return handle(frame, null);
  }

  /**
   * A dead-lettered message again (after a facility or mapping was configured): no resend check.
   */
  public Result replay(byte[] frame, long deadLetterId) {
    return handle(frame, deadLetterId);
  }

  private Result handle(byte[] frame, Long replayOf) {
    long started = System.nanoTime();
    Hl7Charsets.Decoded decoded;
    try {
      decoded = Hl7Charsets.decode(frame, props.defaultCharset());
    } catch (Hl7Charsets.UnknownCharset e) {
      String text = new String(frame, StandardCharsets.ISO_8859_1);
      return reject(
          frame,
          Ack.Header.ofUnparsed(text),
          null,
          StandardCharsets.ISO_8859_1,
          "charset",
          "203",
          e.getMessage(),
          replayOf,
          started);
    }
    Hl7Message message;
    try {
      message = Hl7Message.parse(decoded.text());
    } catch (Hl7Message.Unparseable e) {
      return reject(
          frame,
          Ack.Header.ofUnparsed(decoded.text()),
          null,
          decoded.charset(),
          "unparseable",
          "102",
          e.getMessage(),
          replayOf,
          started);
    }
    Ack.Header header = Ack.Header.of(message);
    String facility = message.msh().get(4);
    String controlId = message.msh().get(10);
    if (facility == null || controlId == null) {
      return reject(
          frame,
          header,
          null,
          decoded.charset(),
          "missing-field",
          "101",
          (facility == null ? "MSH-4 (sending facility)" : "MSH-10 (message control id)")
              + " is empty",
          replayOf,
          started);
    }
    String site = facilities.siteOf(facility);
    if (site == null) {
      return reject(
          frame,
          header,
          null,
          decoded.charset(),
          "unknown-facility",
          "204",
          "sending facility '"
              + facility
              + "' is not configured (shockreg.mllp.facilities."
              + facility
              + ")",
          replayOf,
          started);
    }
    try {
      pipeline.requireSite(site, CHANNEL);
    } catch (UnknownSourceException e) {
      return reject(
          frame,
          header,
          site,
          decoded.charset(),
          "unknown-facility",
          "204",
          e.getMessage(),
          replayOf,
          started);
    }
    if (replayOf == null) {
      Hl7MessageStore.Previous previous = store.previous(facility, controlId);
      if (previous != null) {
        // a resend (the sender missed our ACK): answered as before, nothing taken in twice
        return resent(facility, site, controlId, previous, decoded.charset());
      }
    }
    Hl7Conversion conversion;
    try {
      conversion = Hl7ToFhir.convert(message, facilities.context(site));
    } catch (Hl7ToFhir.Unsupported e) {
      return reject(
          frame,
          header,
          site,
          decoded.charset(),
          "unsupported",
          e.hl7Code,
          e.getMessage(),
          replayOf,
          started);
    } catch (RuntimeException e) {
      // A converter bug on one odd message: parked whole (replayable after a fix), never lost.
      log.error(
          "event=mllp_conversion_failed facility={} site={} controlId={} error={} at={}",
          facility,
          site,
          controlId,
          e.getClass().getName(),
          e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
      return reject(
          frame,
          header,
          site,
          decoded.charset(),
          "conversion-failed",
          "207",
          "the registry could not convert this message (" + e.getClass().getSimpleName() + ")",
          replayOf,
          started);
    }
    String type = Hl7ToFhir.messageType(message);
    List<Ack.Error> errors = new ArrayList<>();
    if (conversion.resources().isEmpty()
        || !"Patient".equals(conversion.resources().get(0).path("resourceType").asText())) {
      errors.add(
          new Ack.Error("PID", 1, 3, "101", "PID-3 (patient identifier list) holds no identifier"));
    }
    MessageRecord record =
        new MessageRecord(
            store,
            writer,
            new MessageRecord.Received(
                header,
                facility,
                controlId,
                site,
                type,
                decoded.charset(),
                frame,
                decoded.text(),
                replayOf),
            conversion,
            errors);
    IntakeReport report;
    try {
      report =
          pipeline.ingest(
              new IntakeRequest(
                  site,
                  CHANNEL,
                  Hl7MessageStore.ORIGIN_PREFIX + facility,
                  "application/fhir+ndjson",
                  null,
                  IntakeRequest.Body.of(conversion.ndjson())),
              record);
    } catch (MessageRecord.RecordedMeanwhile e) {
      // a resend that raced its original: nothing of it kept, answered as the original was
      return resent(facility, site, controlId, e.previous, decoded.charset());
    } catch (DataAccessException | IllegalStateException e) {
      // Not committed: AE without a record, so the sender's resend is taken in then.
      log.warn(
          "event=mllp_intake_failed facility={} site={} controlId={} error={}",
          facility,
          site,
          controlId,
          e.getClass().getSimpleName());
      String ack =
          Ack.build(
              header,
              Ack.AE,
              "not stored, send again",
              List.of(
                  new Ack.Error(
                      null,
                      0,
                      0,
                      "207",
                      "the registry could not store the message now; send it again")));
      count(facility, Ack.AE, started);
      return new Result(ack, Ack.AE, decoded.charset());
    }
    String code = record.code();
    String ack = record.ack();
    count(facility, code, started);
    log.info(
        "event=mllp_message facility={} site={} type={} controlId={} ack={} {} errors={} elapsedMs={}",
        facility,
        site,
        type,
        controlId,
        code,
        report,
        record.errors().size(),
        (System.nanoTime() - started) / 1_000_000);
    return new Result(ack, code, decoded.charset());
  }

  private Result reject(
      byte[] frame,
      Ack.Header header,
      String site,
      Charset charset,
      String kind,
      String hl7Code,
      String reason,
      Long replayOf,
      long started) {
    String facility =
        header.sendingFacility() == null ? null : header.sendingFacility().split("\\^", 2)[0];
    if (replayOf == null) {
      writer.deadLetter(
          DeadLetter.of(
              site,
              CHANNEL,
              Hl7MessageStore.ORIGIN_PREFIX + (facility == null ? "" : facility),
              CONTENT_TYPE,
              frame,
              "hl7v2-ar-" + kind,
              reason,
              null,
              header.controlId()));
    }
    String ack =
        Ack.build(header, Ack.AR, null, List.of(new Ack.Error(null, 0, 0, hl7Code, reason)));
    // unknown facilities are not tags of their own: anyone can send any MSH-4
    count(site == null ? "unknown" : facility, Ack.AR, started);
    log.warn(
        "event=mllp_rejected facility={} kind={} reason=\"{}\"",
        site == null ? "unknown" : facility,
        kind,
        reason.replace('"', '\''));
    return new Result(ack, Ack.AR, charset);
  }

  private Result resent(
      String facility,
      String site,
      String controlId,
      Hl7MessageStore.Previous previous,
      Charset charset) {
    meters
        .counter(
            "shockreg.mllp.messages",
            "facility",
            facility,
            "ack",
            previous.ackCode(),
            "resend",
            "true")
        .increment();
    log.info(
        "event=mllp_resend facility={} site={} controlId={} ack={}",
        facility,
        site,
        controlId,
        previous.ackCode());
    return new Result(previous.ack(), previous.ackCode(), charset);
  }

  private void count(String facility, String code, long started) {
    meters
        .counter("shockreg.mllp.messages", "facility", facility, "ack", code, "resend", "false")
        .increment();
    Timer.builder("shockreg.mllp.message")
        .tag("facility", facility)
        .register(meters)
        .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
