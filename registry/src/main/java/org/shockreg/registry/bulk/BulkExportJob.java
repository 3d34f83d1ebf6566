package org.shockreg.registry.bulk;

import java.time.Instant;
import java.util.List;

/**
 * One {@code $export} job as stored in {@code bulk_export_job}.
 *
 * @param level system, patient or group
 * @param groupId the Group of a group-level export, else null
 * @param requestUrl the kick-off URL, echoed as the manifest's {@code request}
 * @param since {@code _since}, or null
 * @param status accepted, in-progress, completed or failed
 * @param exported resources written so far (while running) or in total
 * @param output the manifest's files (completed jobs)
 * @param deleted the manifest's "deleted" files: NDJSON of DELETE transaction Bundles (type {@code
 *     Bundle}), only with {@code _since}
 * @param principal the id of the caller that kicked it off (ShockRegPrincipal#id): only it may
 *     poll, download and cancel
 * @param studyIds the exported patients are limited to these studies' subjects (edc), or null
 */
public record BulkExportJob(
    String jobId,
    String level,
    String groupId,
    String requestUrl,
    List<String> resourceTypes,
    Instant since,
    String outputFormat,
    String status,
    int attempts,
    long exported,
    Instant transactionTime,
    List<File> output,
    List<File> deleted,
    String error,
    Instant createdAt,
    Instant finishedAt,
    Instant expiresAt,
    String principal,
    List<String> studyIds) {

  public static final String ACCEPTED = "accepted";
  public static final String IN_PROGRESS = "in-progress";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";

  /** A manifest output entry: the type, the file name under the job's directory, its lines. */
  public record File(String type, String file, long count) {}
}
