package org.shockreg.server.edc;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.ExportRow;

/**
 * The REDCap-style flat file and its data dictionary (docs/edc-exports.md), written as RFC 4180
 * CSV: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF, quotes doubled. The
 * export's values are what the dictionary declares: {@code arm} is the number of the arm's choice
 * ({@code 1, early-iabp | 2, standard-care}), datetimes are {@code YYYY-MM-DD HH:MM:SS} in UTC,
 * booleans {@code 1}/{@code 0}.
 */
final class RedcapCsv {

  /** The standard REDCap data dictionary header. */
  static final List<String> DICTIONARY_HEADER =
      List.of(
          "Variable / Field Name",
          "Form Name",
          "Section Header",
          "Field Type",
          "Field Label",
          "Choices, Calculations, OR Slider Labels",
          "Field Note",
          "Text Validation Type OR Show Slider Number",
          "Text Validation Min",
          "Text Validation Max",
          "Identifier?",
          "Branching Logic (Show field only if...)",
          "Required Field?",
          "Custom Alignment",
          "Question Number (surveys only)",
          "Matrix Group Name",
          "Matrix Ranking?",
          "Field Annotation");

  static final String RANDOMIZATION_FORM = "randomization";
  static final String DATA_FORM = "registry_data";

  private final Writer out;

  RedcapCsv(Writer out) {
    this.out = out;
  }

  /** Writes one record. */
  void row(List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.write(quote(fields.get(i)));
    }
    out.write("\r\n");
  }

  static String quote(String field) {
    if (field == null) {
      return "";
    }
    boolean needs = false;
    for (int i = 0; i < field.length() && !needs; i++) {
      char c = field.charAt(i);
      needs = c == ',' || c == '"' || c == '\r' || c == '\n';
    }
    return needs ? '"' + field.replace("\"", "\"\"") + '"' : field;
  }

  /** The export's header: {@code record_id, arm, randomization_time}, then the export fields. */
  static List<String> exportHeader(EdcLayout layout) {
    List<String> header = new ArrayList<>(List.of("record_id", "arm", "randomization_time"));
    layout.csvItems().forEach(i -> header.add(i.name()));
    return header;
  }

  static List<String> exportRow(EdcLayout layout, ExportRow row) {
    List<String> fields = new ArrayList<>(3 + layout.csvItems().size());
    fields.add(row.patientId());
    fields.add(armChoice(layout.study(), row.arm()));
    fields.add(EdcValues.csv("datetime", row.randomizedAt()));
    for (EdcLayout.Item item : layout.csvItems()) {
      fields.add(EdcValues.csv(item.type(), layout.value(item, row)));
    }
    return fields;
  }

  /** The arm's choice number (its place in the study definition); an arm the study lacks as is. */
  static String armChoice(StudyDefinition study, String arm) {
    for (int i = 0; i < study.arms().size(); i++) {
      if (study.arms().get(i).code().equals(arm)) {
        return Integer.toString(i + 1);
      }
    }
    return arm == null ? "" : arm;
  }

  static String armChoices(StudyDefinition study) {
    List<String> choices = new ArrayList<>();
    for (int i = 0; i < study.arms().size(); i++) {
      choices.add((i + 1) + ", " + study.arms().get(i).code());
    }
    return String.join(" | ", choices);
  }

  /**
   * The data dictionary: {@code record_id}, {@code arm}, {@code randomization_time}, then the
   * fields.
   */
  static void writeDictionary(EdcLayout layout, Writer out) throws IOException {
    RedcapCsv csv = new RedcapCsv(out);
    csv.row(DICTIONARY_HEADER);
    StudyDefinition study = layout.study();
    csv.row(
        field(
            "record_id",
            RANDOMIZATION_FORM,
            "text",
            "Record ID (curated Patient id)",
            "",
            "",
            "",
            "",
            ""));
    csv.row(
        field(
            "arm",
            RANDOMIZATION_FORM,
            "dropdown",
            "Randomized arm",
            armChoices(study),
            "",
            "",
            "y",
            "ShockReg: assigned arm of the randomization"));
    csv.row(
        field(
            "randomization_time",
            RANDOMIZATION_FORM,
            "text",
            "Randomization time",
            "",
            "UTC",
            "datetime_seconds_ymd",
            "y",
            "ShockReg: randomization time"));
    for (EdcLayout.Item item : layout.csvItems()) {
      String type = "boolean".equals(item.type()) ? "yesno" : "text";
      String validation =
          switch (item.type()) {
            case "integer" -> "integer";
            case "float" -> "number";
            case "datetime" -> "datetime_seconds_ymd";
            default -> "";
          };
      String note = "datetime".equals(item.type()) ? "UTC" : "";
      if (item.codeList() != null) {
        note =
            "One of: "
                + item.codeList().codes().stream()
                    .map(EdcLayout.Code::value)
                    .collect(Collectors.joining(", "));
      }
      csv.row(
          field(
              item.name(),
              DATA_FORM,
              type,
              item.label(),
              "",
              note,
              validation,
              "",
              "ShockReg source: " + item.source()));
    }
  }

  private static List<String> field(
      String name,
      String form,
      String type,
      String label,
      String choices,
      String note,
      String validation,
      String required,
      String annotation) {
    // name, form, section, type, label, choices, note, validation, min, max, identifier, branching,
    // required, alignment, question number, matrix group, matrix ranking, annotation
    return List.of(
        name,
        form,
        "",
        type,
        label,
        choices,
        note,
        validation,
        "",
        "",
        "",
        "",
        required,
        "",
        "",
        "",
        "",
        annotation);
  }
}
