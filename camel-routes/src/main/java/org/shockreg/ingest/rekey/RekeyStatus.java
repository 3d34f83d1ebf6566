package org.shockreg.ingest.rekey;

import java.time.Instant;
import java.util.List;

/**
 * What a re-keying job did so far, as {@code GET /admin/rekey} answers it: per site the old
 * database's head source resources and patients against what intake did with them and what the
 * current database holds now; the API randomizations re-recorded. {@code verified} holds when every
 * count matches (the operator's check before switching over). Holds no identifier and no password.
 *
 * @param state {@code idle}, {@code running}, {@code succeeded} or {@code failed}
 * @param source the old database's url, without parameters or user info
 */
public record RekeyStatus(
    String state,
    String source,
    boolean forced,
    Instant startedAt,
    Instant finishedAt,
    String error,
    List<SiteTotals> sites,
    RandomizationTotals randomizations,
    boolean verified) {

  public static final String IDLE = "idle";
  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  static RekeyStatus idle() {
    return new RekeyStatus(IDLE, null, false, null, null, null, List.of(), null, false);
  }

  /**
   * One site: {@code oldHeads}/{@code oldPatients} from the old database, the intake counts of the
   * re-curation ({@code received} = curated + unchanged + unmapped + rejected + skipped + retracted
   * + deleted + ignored), then {@code newHeads}/{@code newPatients} in the current database.
   */
  public record SiteTotals(
      String site,
      String state,
      long oldHeads,
      long oldPatients,
      int received,
      int curated,
      int unchanged,
      int unmapped,
      int rejected,
      int skipped,
      int retracted,
      int deleted,
      int ignored,
      long newHeads,
      long newPatients,
      boolean matches) {}

  /**
   * The API randomizations of the old database: {@code recorded} anew, {@code alreadyRecorded} (an
   * earlier run did), {@code unmatched} (their source patient is not in the current database),
   * {@code refused} (by the randomization rules, with the codes in {@code refusals}).
   */
  public record RandomizationTotals(
      int old,
      int recorded,
      int alreadyRecorded,
      int unmatched,
      int refused,
      List<String> refusals) {}
}
