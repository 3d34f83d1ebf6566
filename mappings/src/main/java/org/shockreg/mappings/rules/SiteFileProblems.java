package org.shockreg.mappings.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The errors of one site mapping file, each prefixed with the file name and the entry, so a site's
 * data manager can find and fix every one of them in one go.
 */
final class SiteFileProblems {

  final String file;
  final List<String> list = new ArrayList<>();

  SiteFileProblems(String file) {
    this.file = file;
  }

  void add(String entry, String problem) {
    list.add(file + ": " + (entry == null ? "" : entry + ": ") + problem);
  }

  /** A YAML or mapping error as a site's data manager can act on it. */
  static String describe(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      // No line number: records are read through a buffer, so Jackson's location is off.
      String allowed =
          u.getKnownPropertyIds() == null
              ? ""
              : " (allowed here: "
                  + u.getKnownPropertyIds().stream()
                      .map(String::valueOf)
                      .sorted()
                      .collect(Collectors.joining(", "))
                  + ")";
      return "unknown key '" + u.getPropertyName() + "' in " + path(u) + allowed;
    }
    MarkedYAMLException y = null;
    for (Throwable t = e; t != null && y == null; t = t.getCause()) {
      y = t instanceof MarkedYAMLException m ? m : null;
    }
    if (y != null) {
      Mark mark = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
      String where =
          mark == null
              ? ""
              : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      String what =
          (y.getContext() == null ? "" : y.getContext() + ": ")
              + (y.getProblem() == null ? "invalid YAML" : y.getProblem());
      return where
          + "not valid YAML ("
          + what.replace('\n', ' ').trim()
          + "); inside { } quote values that hold [ ] { } , : or #, e.g. unit: \"mm[Hg]\"";
    }
    String where =
        e.getLocation() == null
            ? ""
            : "line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ": ";
    String message = e.getOriginalMessage();
    int newline = message.indexOf('\n');
    if (newline > 0) {
      message = message.substring(0, newline);
    }
    String at = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? path(m) + ": " : "";
    return where
        + at
        + message.replace("java.lang.", "").replace(RuleFiles.class.getName() + "$", "");
  }

  /** A Jackson path as the YAML reads: {@code measurements[0].unit}. */
  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.length() == 0 ? "the top level" : b.toString();
  }
}
