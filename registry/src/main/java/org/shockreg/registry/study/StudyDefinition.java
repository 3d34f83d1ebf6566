package org.shockreg.registry.study;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.List;

/**
 * A study as data (data-dictionary.md section 4, docs/trials.md): what the registry serves as
 * ResearchStudy and what the screening engine, randomization, endpoint and exports execute: arms,
 * eligibility criteria with thresholds and time windows, the randomization window, endpoints and
 * the export field list. Stored as JSON in {@code research_study.definition}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StudyDefinition(
    String id,
    String title,
    String status,
    List<StudyIdentifier> identifiers,
    String description,
    List<Arm> arms,
    Screening screening,
    @JsonProperty("primary-endpoint") Endpoint primaryEndpoint,
    List<ExportField> export) {

  public StudyDefinition {
    identifiers = identifiers == null ? List.of() : List.copyOf(identifiers);
    arms = arms == null ? List.of() : List.copyOf(arms);
    export = export == null ? List.of() : List.copyOf(export);
  }

  /** A business identifier of the study, e.g. its ClinicalTrials.gov number. */
  public record StudyIdentifier(String system, String value) {}

  /**
   * A study arm; {@code code} is what randomizations name (e.g. {@code early-iabp}).
   *
   * @param intervention the device the arm gets after randomization (a deviation when it is late)
   * @param escalationWithinHours reports escalation to any tMCS within this many hours (control
   *     arm)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Arm(
      String code,
      String name,
      String description,
      Intervention intervention,
      @JsonProperty("escalation-within-hours") Integer escalationWithinHours) {}

  /** A device the arm receives, due within {@code withinHours} of randomization. */
  public record Intervention(String device, @JsonProperty("within-hours") Integer withinHours) {}

  /**
   * Automatable screening of every shock episode.
   *
   * @param randomizationWindowHours the window closes this long after shock diagnosis
   */
  public record Screening(
      @JsonProperty("randomization-window-hours") Integer randomizationWindowHours,
      List<Criterion> criteria) {
    public Screening {
      criteria = criteria == null ? List.of() : List.copyOf(criteria);
    }
  }

  /**
   * One eligibility criterion, keyed in {@code .../CodeSystem/eligibility-criterion}. Types: {@code
   * age} ({@code min}, {@code max} years at shock diagnosis), {@code etiology} and {@code
   * scai-stage} ({@code in}: accepted codes; scai over {@code from}/{@code to}), {@code
   * measurement} (met when any value in the window satisfies one of {@code any}), {@code
   * no-diagnosis} (not-met when a diagnosis of one of {@code any}'s categories lies in its window),
   * {@code randomization-window} (reported, never decides) and {@code manual} ({@code items}:
   * unknown until the EDC confirms). Windows ({@code from}, {@code to}) are relative to shock
   * diagnosis: {@code -12mo}, {@code -30d}, {@code -6h}, {@code 6h}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Criterion(
      String key,
      String type,
      String description,
      Integer min,
      Integer max,
      List<String> in,
      String from,
      String to,
      List<Condition> any,
      List<String> items) {
    public Criterion {
      in = in == null ? null : List.copyOf(in);
      any = any == null ? null : List.copyOf(any);
      items = items == null ? null : List.copyOf(items);
    }
  }

  /**
   * A measurement threshold ({@code variable} with one of {@code below}, {@code above}, {@code
   * at-most}, {@code at-least}; {@code group}: conditions of one group are one fact, e.g.
   * hypotension = SBP or MAP) or a diagnosis category with its own window.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Condition(
      String variable,
      BigDecimal below,
      BigDecimal above,
      @JsonProperty("at-most") BigDecimal atMost,
      @JsonProperty("at-least") BigDecimal atLeast,
      String group,
      String category,
      String from,
      String to) {}

  /**
   * The primary endpoint: {@code success} when alive at day {@code days} from randomization or one
   * of {@code rescueDevices} happened before death and by that day; {@code failure} when dead by
   * then without it; {@code incomplete} when follow-up ends earlier.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Endpoint(
      String code,
      String description,
      Integer days,
      @JsonProperty("rescue-devices") List<String> rescueDevices) {
    public Endpoint {
      rescueDevices = rescueDevices == null ? List.of() : List.copyOf(rescueDevices);
    }
  }

  /**
   * A column of the EDC exports (CSV, ODM item): {@code name} as the EDC field name, {@code source}
   * what fills it (docs/trials.md lists the sources), {@code type} {@code integer}, {@code float},
   * {@code text}, {@code datetime} or {@code boolean}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ExportField(String name, String label, String source, String type) {}

  /** The arm with this code, or null. */
  public Arm arm(String code) {
    return arms.stream().filter(a -> a.code().equals(code)).findFirst().orElse(null);
  }

  /** The window in hours after shock diagnosis within which randomization is due (default 6). */
  public int randomizationWindowHours() {
    return screening == null || screening.randomizationWindowHours() == null
        ? 6
        : screening.randomizationWindowHours();
  }

  public List<Criterion> criteria() {
    return screening == null ? List.of() : screening.criteria();
  }
}
