package org.shockreg.ingest.inbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.shockreg.ingest.InboxProperties;
import org.shockreg.ingest.pipeline.IntakeLimits;
import org.shockreg.ingest.pipeline.IntakePipeline;
import org.shockreg.ingest.pipeline.IntakeReport;
import org.shockreg.ingest.pipeline.IntakeRequest;
import org.shockreg.ingest.pipeline.UnknownSourceException;
import org.shockreg.ingest.pipeline.UnparseableBodyException;
import org.shockreg.registry.db.DataDirectoryProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The drop folder: a {@code *.ndjson} or {@code *.json} file in {@code
 * <data-dir>/inbox/<sourceId>/} goes through the intake pipeline, then moves to {@code .done/}; a
 * file that cannot be taken in moves to {@code .error/} with a {@code .reason} file beside it (its
 * content is also in the dead-letter store). Per-resource rejections do not fail the file: they are
 * dead-lettered.
 */
@Component
@ConditionalOnProperty(prefix = "shockreg.inbox", name = "enabled", matchIfMissing = true)
public class InboxRoutes extends RouteBuilder {

  static final String ROUTE_ID = "inbox-intake";

  private final IntakePipeline pipeline;
  private final Path inbox;
  private final InboxProperties props;

  public InboxRoutes(IntakePipeline pipeline, DataDirectoryProperties dirs, InboxProperties props) {
    this.pipeline = pipeline;
    this.inbox = dirs.resolve("inbox");
    this.props = props;
  }

  @Override
  public void configure() throws Exception {
    Files.createDirectories(inbox);
    // Failures are handled here, not swallowed: the reason is written next to the moved file.
    onException(UnparseableBodyException.class, UnknownSourceException.class)
        .handled(false)
        .process(this::writeReason)
        .log(
            LoggingLevel.WARN,
            "event=inbox_file_failed file=${header.CamelFileName} reason=\"${exception.message}\"");

    fromF(
            "file:%s?recursive=true&minDepth=2&maxDepth=2&include=.*\\.(ndjson|json)"
                + "&antExclude=**/.done/**,**/.error/**&readLock=changed&readLockMinAge=500"
                // move paths are relative to the inbox root; ${file:parent} keeps them in the
                // site's folder
                + "&move=${file:parent}/.done/${file:onlyname}"
                + "&moveFailed=${file:parent}/.error/${file:onlyname}&delay=%d",
            inbox.toString(), props.pollDelay().toMillis())
        .routeId(ROUTE_ID)
        .process(
            exchange -> {
              Path file = Path.of(exchange.getIn().getHeader(Exchange.FILE_PATH, String.class));
              String siteId = file.getParent().getFileName().toString();
              IntakeRequest request =
                  new IntakeRequest(
                      siteId,
                      IntakeRequest.CHANNEL_INBOX,
                      "inbox:" + file.getFileName(),
                      null,
                      file.getFileName().toString(),
                      () -> Files.newInputStream(file));
              rejectIfTooLarge(request, file);
              IntakeReport report = pipeline.ingest(request);
              exchange.getIn().setHeader("ShockRegIntakeReport", report.toString());
            })
        .log(
            "event=inbox_file_done site=${header.CamelFileParent} file=${header.CamelFileNameOnly} ${header.ShockRegIntakeReport}");
  }

  /**
   * A file over {@code shockreg.limits.max-body-bytes} is refused like an HTTP body (its start
   * dead-lettered).
   */
  private void rejectIfTooLarge(IntakeRequest request, Path file) throws java.io.IOException {
    IntakeLimits limits = pipeline.limits();
    long size = Files.size(file);
    if (size > limits.maxBodyBytes().toBytes()) {
      pipeline.requireSite(request.siteId(), request.channel());
      byte[] head;
      try (java.io.InputStream in = Files.newInputStream(file)) {
        head =
            in.readNBytes(
                (int)
                    Math.min(
                        limits.deadLetterSampleBytes().toBytes(), limits.maxBodyBytes().toBytes()));
      }
      throw pipeline.rejectTooLarge(request, head, size, true);
    }
  }

  private void writeReason(Exchange exchange) throws Exception {
    Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    Path file = Path.of(exchange.getIn().getHeader(Exchange.FILE_PATH, String.class));
    Path errorDir = file.getParent().resolve(".error");
    Files.createDirectories(errorDir);
    String reason = e == null ? "unknown" : e.getMessage();
    if (e instanceof UnparseableBodyException u) {
      reason += "\ndead-letter-id: " + u.deadLetterId();
    }
    Files.writeString(
        errorDir.resolve(file.getFileName() + ".reason"), reason + "\n", StandardCharsets.UTF_8);
  }
}
