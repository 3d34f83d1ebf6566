package org.shockreg.ingest.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What an intake did with a body. {@code received} = curated + unchanged + rejected + unmapped +
 * skipped + retracted + deleted + ignored.
 */
public final class IntakeReport {

  /** One rejected resource or line: where it was, why, and where its payload was parked. */
  public record Issue(
      String resourceType,
      String resourceId,
      int index,
      String code,
      String reason,
      long deadLetterId) {}

  /**
   * One resource received but not applied, and why: for now a version older than the one the
   * registry holds ({@code older-version}); it is kept in the raw store, not dead-lettered.
   */
  public record Skip(
      String resourceType, String resourceId, int index, String code, String reason) {}

  /**
   * Something about a resource that was taken in but not done, not counted on its own: a
   * Patient.link merge whose target cannot be resolved ({@code unresolved-merge-target}).
   */
  public record Warning(
      String resourceType, String resourceId, int index, String code, String reason) {}

  int received;
  int curated;
  int unchanged;
  int rejected;
  int unmapped;
  int skipped;
  int retracted;
  int deleted;
  int ignored;
  final List<Issue> issues = new ArrayList<>();
  final List<Skip> skips = new ArrayList<>();
  final List<Warning> warnings = new ArrayList<>();

  public int received() {
    return received;
  }

  public int curated() {
    return curated;
  }

  public int unchanged() {
    return unchanged;
  }

  public int rejected() {
    return rejected;
  }

  public int unmapped() {
    return unmapped;
  }

  public int skipped() {
    return skipped;
  }

  public int retracted() {
    return retracted;
  }

  /** DELETE entries applied: the facts of those source resources were retracted. */
  public int deleted() {
    return deleted;
  }

  public int ignored() {
    return ignored;
  }

  public List<Issue> issues() {
    return List.copyOf(issues);
  }

  /** The skipped resources that have a reason of their own (older versions). */
  public List<Skip> skips() {
    return List.copyOf(skips);
  }

  public List<Warning> warnings() {
    return List.copyOf(warnings);
  }

  /** Adds another report's counts (and issues and skips) to this one. */
  public void add(IntakeReport o) {
    received += o.received;
    curated += o.curated;
    unchanged += o.unchanged;
    rejected += o.rejected;
    unmapped += o.unmapped;
    skipped += o.skipped;
    retracted += o.retracted;
    deleted += o.deleted;
    ignored += o.ignored;
    issues.addAll(o.issues);
    skips.addAll(o.skips);
    warnings.addAll(o.warnings);
  }

  @Override
  public String toString() {
    return "received="
        + received
        + " curated="
        + curated
        + " unchanged="
        + unchanged
        + " rejected="
        + rejected
        + " unmapped="
        + unmapped
        + " skipped="
        + skipped
        + " retracted="
        + retracted
        + " deleted="
        + deleted
        + " ignored="
        + ignored;
  }
}
