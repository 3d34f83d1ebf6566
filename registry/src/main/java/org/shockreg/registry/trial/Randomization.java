package org.shockreg.registry.trial;

import java.time.Instant;

/**
 * A randomization as recorded: from the EDC ({@code POST /edc/{study}/randomizations}) or from an
 * incoming ResearchSubject. It is a source fact; the ResearchSubject it makes {@code on-study} is
 * derived from it and the patient's shock episodes.
 */
public record Randomization(
    String randomizationId,
    String studyId,
    String patientId,
    String arm,
    Instant randomizedAt,
    String origin) {

  public static final String ORIGIN_EDC = "edc";
  public static final String ORIGIN_INTAKE = "intake";
}
