package org.shockreg.server.bulk;

import java.time.Instant;
import java.util.List;

/**
 * A kick-off, validated. {@code groupId} only for level group; {@code principal} the caller's id
 * (the job is bound to it); {@code studyIds} limits the patients to those studies' subjects, or
 * null.
 */
public record Kickoff(
    String level,
    String groupId,
    String requestUrl,
    List<ExportedType> types,
    Instant since,
    String outputFormat,
    String principal,
    List<String> studyIds) {}
