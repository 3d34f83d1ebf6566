package org.shockreg.server.edc;

import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * A REDCap-shaped schema check of a flat export against its data dictionary, with an independent
 * RFC 4180 parser (Apache Commons CSV): the dictionary has REDCap's header and field types, the
 * export's header is the dictionary's variables in order, every value passes its field's type,
 * validation and choices, required fields are filled, and {@code record_id} is unique and never
 * empty. {@link #problems} lists what does not hold (empty: REDCap would take the file).
 */
public final class RedcapShape {

  static final List<String> HEADER = RedcapCsv.DICTIONARY_HEADER;
  static final Set<String> FIELD_TYPES =
      Set.of(
          "text",
          "notes",
          "dropdown",
          "radio",
          "checkbox",
          "yesno",
          "truefalse",
          "calc",
          "file",
          "slider",
          "descriptive",
          "sql");
  static final Pattern VARIABLE = Pattern.compile("[a-z][a-z0-9_]*");
  static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
  static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
  static final Pattern CHOICE_CODE = Pattern.compile("[A-Za-z0-9_]+");
  static final DateTimeFormatter YMD_HMS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  /** A dictionary row as far as the check needs it. */
  public record Field(
      String name,
      String form,
      String type,
      String validation,
      Set<String> choices,
      boolean required) {}

  private RedcapShape() {}

  public static List<List<String>> parse(String csv) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    for (CSVRecord r : CSVFormat.RFC4180.parse(new StringReader(csv))) {
      rows.add(r.toList());
    }
    return rows;
  }

  /** The dictionary's fields in order; what is not REDCap-shaped is added to {@code problems}. */
  public static List<Field> dictionary(String csv, List<String> problems) throws IOException {
    List<List<String>> rows = parse(csv);
    List<Field> fields = new ArrayList<>();
    if (rows.isEmpty() || !rows.get(0).equals(HEADER)) {
      problems.add(
          "dictionary header is not REDCap's: " + (rows.isEmpty() ? "empty" : rows.get(0)));
      return fields;
    }
    Set<String> names = new HashSet<>();
    Set<String> closedForms = new HashSet<>();
    String form = null;
    for (List<String> row : rows.subList(1, rows.size())) {
      if (row.size() != HEADER.size()) {
        problems.add("dictionary row with " + row.size() + " columns: " + row);
        continue;
      }
      String name = row.get(0);
      String type = row.get(3);
      if (!VARIABLE.matcher(name).matches() || !names.add(name)) {
        problems.add("variable name invalid or repeated: " + name);
      }
      if (!VARIABLE.matcher(row.get(1)).matches()) {
        problems.add(name + ": form name invalid: " + row.get(1));
      }
      if (!row.get(1).equals(form)) {
        if (!closedForms.add(row.get(1))) {
          problems.add(name + ": the fields of form " + row.get(1) + " are not contiguous");
        }
        form = row.get(1);
      }
      if (!FIELD_TYPES.contains(type)) {
        problems.add(name + ": unknown field type " + type);
      }
      if (row.get(4).isBlank()) {
        problems.add(name + ": no field label");
      }
      String validation = row.get(7);
      if (!validation.isEmpty() && !type.equals("text")) {
        problems.add(name + ": validation " + validation + " on a " + type + " field");
      }
      Set<String> choices = new HashSet<>();
      if (type.equals("dropdown") || type.equals("radio") || type.equals("checkbox")) {
        for (String choice : row.get(5).split("\\|")) {
          String code = choice.split(",", 2)[0].strip();
          if (!CHOICE_CODE.matcher(code).matches() || !choice.contains(",")) {
            problems.add(name + ": choice not 'code, label': " + choice);
          }
          choices.add(code);
        }
      }
      fields.add(new Field(name, row.get(1), type, validation, choices, "y".equals(row.get(12))));
    }
    if (fields.isEmpty() || !fields.get(0).name().equals("record_id")) {
      problems.add("the first variable is not record_id");
    }
    return fields;
  }

  /** Every way the export does not fit the dictionary; empty when it fits. */
  public static List<String> problems(String dictionaryCsv, String exportCsv) throws IOException {
    List<String> problems = new ArrayList<>();
    List<Field> fields = dictionary(dictionaryCsv, problems);
    List<List<String>> rows = parse(exportCsv);
    if (rows.isEmpty()) {
      problems.add("export has no header");
      return problems;
    }
    List<String> expected = fields.stream().map(Field::name).toList();
    if (!rows.get(0).equals(expected)) {
      problems.add(
          "export header " + rows.get(0) + " is not the dictionary's variables " + expected);
      return problems;
    }
    Set<String> records = new HashSet<>();
    for (int r = 1; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      if (row.size() != fields.size()) {
        problems.add("row " + r + " has " + row.size() + " values");
        continue;
      }
      if (row.get(0).isEmpty() || !records.add(row.get(0))) {
        problems.add("row " + r + ": record_id empty or repeated: " + row.get(0));
      }
      for (int c = 0; c < fields.size(); c++) {
        String problem = check(fields.get(c), row.get(c));
        if (problem != null) {
          problems.add(
              "row " + r + " (" + row.get(0) + ") " + fields.get(c).name() + ": " + problem);
        }
      }
    }
    return problems;
  }

  static String check(Field f, String value) {
    if (value.isEmpty()) {
      return f.required() ? "required but empty" : null;
    }
    switch (f.type()) {
      case "yesno" -> {
        return value.equals("1") || value.equals("0") ? null : "not 1/0: " + value;
      }
      case "dropdown", "radio" -> {
        return f.choices().contains(value) ? null : "not one of " + f.choices() + ": " + value;
      }
      default -> {}
    }
    return switch (f.validation()) {
      case "" -> null;
      case "integer" -> INTEGER.matcher(value).matches() ? null : "not an integer: " + value;
      case "number" -> NUMBER.matcher(value).matches() ? null : "not a number: " + value;
      case "datetime_seconds_ymd" -> {
        try {
          LocalDateTime.parse(value, YMD_HMS);
          yield null;
        } catch (DateTimeParseException e) {
          yield "not YYYY-MM-DD HH:MM:SS: " + value;
        }
      }
      default -> "validation the check does not know: " + f.validation();
    };
  }

  /** The export as maps of variable -> value, keyed by record_id, in file order. */
  public static Map<String, Map<String, String>> records(String exportCsv) throws IOException {
    List<List<String>> rows = parse(exportCsv);
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (List<String> row : rows.subList(1, rows.size())) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int c = 0; c < row.size(); c++) {
        values.put(rows.get(0).get(c), row.get(c));
      }
      out.put(row.get(0), values);
    }
    return out;
  }
}
