package org.shockreg.server.edc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.study.StudyDefinition.ExportField;
import org.shockreg.registry.trial.ExportRow;

/**
 * The items of a study's EDC exports, from its definition: the CSV columns ({@code record_id},
 * {@code arm}, {@code randomization_time}, then the {@code export} fields in order) and the ODM
 * items (the same plus the screening result, each criterion's status, the primary endpoint and the
 * arms' intervention devices when the export list lacks them), each placed in an ODM item group
 * and, where the values are a closed set, given a code list.
 */
public final class EdcLayout {

  /** Pseudo sources of the two randomization columns every export has. */
  static final String ARM = "arm";

  static final String RANDOMIZATION_TIME = "randomization-time";

  /** An ODM ItemGroup: its study event, form and group (events and forms in this order). */
  public enum Section {
    ELIGIBILITY("screening", "Screening", "screening", "Screening", "eligibility", "Eligibility"),
    BASELINE(
        "screening",
        "Screening",
        "screening",
        "Screening",
        "baseline",
        "Baseline at shock diagnosis"),
    RANDOMIZATION(
        "trial", "Trial", "randomization", "Randomization", "randomization", "Randomization"),
    TREATMENT("trial", "Trial", "treatment", "Treatment", "devices", "Devices and protocol"),
    ENDPOINT("trial", "Trial", "endpoint", "Endpoint", "endpoint", "Outcome");

    final String event;
    final String eventName;
    final String form;
    final String formName;
    final String group;
    final String groupName;

    Section(
        String event,
        String eventName,
        String form,
        String formName,
        String group,
        String groupName) {
      this.event = event;
      this.eventName = eventName;
      this.form = form;
      this.formName = formName;
      this.group = group;
      this.groupName = groupName;
    }

    String eventOid() {
      return "Event." + event;
    }

    String formOid() {
      return "Form." + form;
    }

    String groupOid() {
      return form + "." + group;
    }
  }

  /** A coded value and what it means. */
  public record Code(String value, String decode) {}

  /** A closed set of values an item takes ({@code oid} e.g. {@code CL.arm}). */
  public record CodeList(String oid, String name, List<Code> codes) {}

  /**
   * One export item: {@code name} is the CSV column and ODM ItemDef name; {@code type} one of
   * {@code integer}, {@code float}, {@code text}, {@code datetime}, {@code boolean}.
   */
  public record Item(
      String name,
      String label,
      String source,
      String type,
      Section section,
      CodeList codeList,
      boolean mandatory) {}

  static final CodeList SCREENING_RESULT =
      new CodeList(
          "CL.screening_result",
          "Automated screening result",
          List.of(
              new Code("ineligible", "Ineligible (a criterion is not met)"),
              new Code("potential-candidate", "Potential candidate (all automatable criteria met)"),
              new Code("screening", "Screening (data missing)")));
  static final CodeList CRITERION_STATUS =
      new CodeList(
          "CL.criterion_status",
          "Eligibility criterion status",
          List.of(
              new Code("met", "Met"),
              new Code("not-met", "Not met"),
              new Code("unknown", "Unknown")));
  static final CodeList ENDPOINT =
      new CodeList(
          "CL.endpoint",
          "Primary endpoint outcome",
          List.of(
              new Code("success", "Success"),
              new Code("failure", "Failure"),
              new Code("incomplete", "Incomplete (follow-up ended early)")));
  static final CodeList SCAI_STAGE =
      new CodeList(
          "CL.scai_stage",
          "SCAI shock stage",
          List.of("A", "B", "C", "D", "E").stream()
              .map(s -> new Code(s, "SCAI stage " + s))
              .toList());
  static final CodeList ETIOLOGY =
      new CodeList(
          "CL.etiology",
          "Cardiogenic shock etiology",
          List.of(
              new Code("ami-cs", "Acute myocardial infarction-related cardiogenic shock"),
              new Code("hf-cs", "Heart failure-related cardiogenic shock"),
              new Code("other", "Other")));

  private final StudyDefinition study;
  private final List<Item> csvItems;
  private final List<Item> odmItems;
  private final List<String> sources;
  private final Map<String, Integer> sourceIndex = new LinkedHashMap<>();

  public EdcLayout(StudyDefinition study) {
    this.study = study;
    CodeList arms =
        new CodeList(
            "CL.arm",
            "Study arm",
            study.arms().stream()
                .map(a -> new Code(a.code(), a.name() == null ? a.code() : a.name()))
                .toList());
    List<Item> fixed =
        List.of(
            new Item("arm", "Randomized arm", ARM, "text", Section.RANDOMIZATION, arms, true),
            new Item(
                "randomization_time",
                "Randomization time",
                RANDOMIZATION_TIME,
                "datetime",
                Section.RANDOMIZATION,
                null,
                true));
    List<Item> export = new ArrayList<>();
    for (ExportField f : study.export()) {
      export.add(item(f.name(), f.label() == null ? f.name() : f.label(), f.source(), f.type()));
    }
    this.csvItems = List.copyOf(export);

    List<Item> odm = new ArrayList<>(fixed);
    odm.addAll(export);
    Set<String> names = new HashSet<>();
    Set<String> covered = new HashSet<>();
    odm.forEach(
        i -> {
          names.add(i.name());
          covered.add(i.source());
        });
    List<ExportField> extras = new ArrayList<>();
    if (study.screening() != null) {
      extras.add(
          new ExportField(
              "screening_result", "Automated screening result", "screening-result", "text"));
    }
    for (StudyDefinition.Criterion c : study.criteria()) {
      extras.add(
          new ExportField(
              "criterion_" + identifier(c.key()),
              "Eligibility criterion "
                  + c.key()
                  + (c.description() == null ? "" : ": " + c.description().strip()),
              "criterion:" + c.key(),
              "text"));
    }
    for (StudyDefinition.Arm a : study.arms()) {
      if (a.intervention() != null && a.intervention().device() != null) {
        String device = a.intervention().device();
        extras.add(
            new ExportField(
                identifier(device) + "_start",
                device + " start",
                "device-start:" + device,
                "datetime"));
      }
    }
    if (study.primaryEndpoint() != null) {
      String label = study.primaryEndpoint().description();
      extras.add(
          new ExportField(
              "primary_endpoint",
              label == null ? "Primary endpoint" : label,
              "primary-endpoint",
              "text"));
    }
    for (ExportField f : extras) {
      if (covered.add(f.source())) {
        String name = f.name();
        for (int n = 2; names.contains(name); n++) {
          name = f.name() + "_" + n;
        }
        names.add(name);
        odm.add(item(name, f.label(), f.source(), f.type()));
      }
    }
    // ODM items in form order (the export order within a section)
    odm.sort(Comparator.comparing(Item::section));
    this.odmItems = List.copyOf(odm);

    List<String> src = new ArrayList<>();
    for (Item i : odmItems) {
      if (!i.source().equals(ARM)
          && !i.source().equals(RANDOMIZATION_TIME)
          && !sourceIndex.containsKey(i.source())) {
        sourceIndex.put(i.source(), src.size());
        src.add(i.source());
      }
    }
    this.sources = List.copyOf(src);
  }

  private static Item item(String name, String label, String source, String type) {
    CodeList codes = "text".equals(type) ? codeList(source) : null;
    return new Item(name, label, source, type, section(source), codes, false);
  }

  /** Where an item of this source belongs in the ODM forms. */
  static Section section(String source) {
    if (source.equals("screening-result") || source.startsWith("criterion:")) {
      return Section.ELIGIBILITY;
    }
    if (source.startsWith("device-start:")) {
      return Section.TREATMENT;
    }
    return switch (source) {
      case ARM,
          RANDOMIZATION_TIME,
          "hours-diagnosis-to-randomization",
          "hours-cicu-to-randomization" ->
          Section.RANDOMIZATION;
      case "hours-randomization-to-intervention", "escalation", "deviations" -> Section.TREATMENT;
      case "death-time", "primary-endpoint" -> Section.ENDPOINT;
      default -> Section.BASELINE; // age, sex, etiology, hf-cs-*, times, scai-*, baseline:*
    };
  }

  private static CodeList codeList(String source) {
    if (source.startsWith("criterion:")) {
      return CRITERION_STATUS;
    }
    return switch (source) {
      case "screening-result" -> SCREENING_RESULT;
      case "primary-endpoint" -> ENDPOINT;
      case "scai-at-diagnosis", "scai-worst-24h" -> SCAI_STAGE;
      case "etiology" -> ETIOLOGY;
      default -> null;
    };
  }

  /** A code as a variable-name part: {@code va-ecmo} -> {@code va_ecmo}. */
  static String identifier(String code) {
    return code.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
  }

  public StudyDefinition study() {
    return study;
  }

  /**
   * The study's export fields, the CSV columns after {@code record_id, arm, randomization_time}.
   */
  public List<Item> csvItems() {
    return csvItems;
  }

  /** Every ODM item, grouped by section in {@link Section} order. */
  public List<Item> odmItems() {
    return odmItems;
  }

  /** The sources to ask the reader for, each once. */
  public List<String> sources() {
    return sources;
  }

  /** The distinct code lists the ODM items use, in first-use order. */
  public List<CodeList> codeLists() {
    Map<String, CodeList> lists = new LinkedHashMap<>();
    odmItems.stream()
        .filter(i -> i.codeList() != null)
        .forEach(i -> lists.putIfAbsent(i.codeList().oid(), i.codeList()));
    return List.copyOf(lists.values());
  }

  /** The item's value in a row (null: nothing known). */
  public Object value(Item item, ExportRow row) {
    return switch (item.source()) {
      case ARM -> row.arm();
      case RANDOMIZATION_TIME -> row.randomizedAt();
      default -> row.values().get(sourceIndex.get(item.source()));
    };
  }
}
