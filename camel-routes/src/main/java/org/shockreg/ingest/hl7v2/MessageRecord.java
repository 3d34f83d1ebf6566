package org.shockreg.ingest.hl7v2;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.registry.intake.DeadLetter;
import org.shockreg.registry.intake.Hl7MessageStore;
import org.shockreg.registry.store.RegistryWriter;

/**
 * A message's ACK and its record ({@code hl7v2_message}, and the dead letter of an AE), written in
 * the intake transaction of the message's facts: one commit per message, and a crash leaves either
 * both or neither, so a resend after a crash is answered from the record or taken in anew.
 */
final class MessageRecord implements IntakePipeline.InTransaction {

  /**
   * The message was recorded by a concurrent copy of it (a resend racing its original): this copy's
   * writes are rolled back and it is answered as the recorded one was.
   */
  static final class RecordedMeanwhile extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final transient Hl7MessageStore.Previous previous;

    RecordedMeanwhile(Hl7MessageStore.Previous previous) {
      super("recorded by a concurrent copy", null, false, false);
      this.previous = previous;
    }
  }

  /** What the message is: its header, where it came from, as received and decoded. */
  record Received(
      Ack.Header header,
      String facility,
      String controlId,
      String site,
      String type,
      Charset charset,
      byte[] frame,
      String text,
      Long replayOf) {}

  private final Hl7MessageStore store;
  private final RegistryWriter writer;
  private final Received message;
  private final Hl7Conversion conversion;
  private final List<Ack.Error> conversionErrors;
  private List<Ack.Error> errors = List.of();
  private String code;
  private String ack;

  MessageRecord(
      Hl7MessageStore store,
      RegistryWriter writer,
      Received message,
      Hl7Conversion conversion,
      List<Ack.Error> conversionErrors) {
    this.store = store;
    this.writer = writer;
    this.message = message;
    this.conversion = conversion;
    this.conversionErrors = conversionErrors;
  }

  @Override
  public void write(IntakeReport report) {
    // a retried transaction writes again: only the committed attempt's answer is kept
    List<Ack.Error> all = new ArrayList<>(conversionErrors);
    all.addAll(AckErrors.of(report, conversion));
    String answer = all.isEmpty() ? Ack.AA : Ack.AE;
    String text = Ack.build(message.header(), answer, null, all);
    boolean replay = message.replayOf() != null;
    boolean recorded =
        store.record(
            message.facility(),
            message.controlId(),
            message.site(),
            message.type(),
            message.charset().name(),
            answer,
            text,
            report.toString(),
            message.frame(),
            message.text(),
            replay);
    if (!recorded) {
      // the insert waited for the copy's commit, so its record is visible now
      throw new RecordedMeanwhile(store.previous(message.facility(), message.controlId()));
    }
    if (answer.equals(Ack.AE) && !replay) {
      writer.deadLetter(
          DeadLetter.of(
              message.site(),
              MllpIntake.CHANNEL,
              Hl7MessageStore.ORIGIN_PREFIX + message.facility(),
              MllpIntake.CONTENT_TYPE,
              message.frame(),
              "hl7v2-ae",
              all.size() + " error(s) in the ACK; first: " + all.get(0).text(),
              message.type(),
              message.controlId()));
    }
    this.errors = all;
    this.code = answer;
    this.ack = text;
  }

  /** The ACK code as committed (null before the transaction ran). */
  String code() {
    return code;
  }

  String ack() {
    return ack;
  }

  List<Ack.Error> errors() {
    return errors;
  }
}
