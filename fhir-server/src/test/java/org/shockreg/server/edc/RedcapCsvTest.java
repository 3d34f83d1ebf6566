package org.shockreg.server.edc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.study.StudyDefinition;

class RedcapCsvTest {

  final StudyDefinition study = EdcFixtures.altshock2();
  final EdcLayout layout = new EdcLayout(study);

  @Test
  void fieldsWithCommaQuoteOrLineBreak_areQuoted_withQuotesDoubled() throws IOException {
    StringWriter out = new StringWriter();
    new RedcapCsv(out).row(List.of("plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""));
    assertThat(out.toString())
        .isEqualTo("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\r\n");
    assertThat(RedcapShape.parse(out.toString()))
        .containsExactly(List.of("plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""));
  }

  @Test
  void exportRow_codesArmByChoiceNumber_timesAsRedcapUtc_booleansAsOneZero() {
    Map<String, String> row =
        zip(
            RedcapCsv.exportHeader(layout),
            RedcapCsv.exportRow(layout, EdcFixtures.row(layout, "p-1", "standard-care")));
    assertThat(row.get("record_id")).isEqualTo("p-1");
    assertThat(row.get("arm")).isEqualTo("2");
    assertThat(row.get("randomization_time")).isEqualTo("2025-03-01 06:30:00");
    assertThat(row.get("cicu_arrival_time")).isEqualTo("2025-03-01 04:00:00");
    assertThat(row.get("ischemic")).isEqualTo("1");
    assertThat(row.get("escalation_8h")).isEqualTo("0");
    assertThat(row.get("lvef_baseline")).isEqualTo("20");
    assertThat(row.get("lactate_baseline")).isEqualTo("3.1");
    assertThat(row.get("hours_dx_to_rand")).isEqualTo("0.5");
    assertThat(row.get("age")).isEqualTo("64");
    assertThat(row.get("va_ecmo_start")).isEmpty();
    assertThat(RedcapCsv.armChoices(study)).isEqualTo("1, early-iabp | 2, standard-care");
  }

  @Test
  void dictionaryOfAltshock2_isRedcapShaped_andTheExportFitsIt() throws IOException {
    StringWriter dictionary = new StringWriter();
    RedcapCsv.writeDictionary(layout, dictionary);
    StringWriter export = new StringWriter();
    RedcapCsv csv = new RedcapCsv(export);
    csv.row(RedcapCsv.exportHeader(layout));
    csv.row(RedcapCsv.exportRow(layout, EdcFixtures.row(layout, "p-1", "early-iabp")));
    csv.row(RedcapCsv.exportRow(layout, EdcFixtures.row(layout, "p-2", "standard-care")));

    assertThat(RedcapShape.problems(dictionary.toString(), export.toString())).isEmpty();
    List<List<String>> rows = RedcapShape.parse(dictionary.toString());
    assertThat(rows.get(0)).isEqualTo(RedcapCsv.DICTIONARY_HEADER);
    assertThat(rows.subList(1, 4))
        .extracting(r -> r.get(0) + "/" + r.get(3) + "/" + r.get(7))
        .containsExactly(
            "record_id/text/", "arm/dropdown/", "randomization_time/text/datetime_seconds_ymd");
    Map<String, List<String>> byName = new java.util.HashMap<>();
    rows.forEach(r -> byName.put(r.get(0), r));
    assertThat(byName.get("lvef_baseline").get(7)).isEqualTo("number");
    assertThat(byName.get("age").get(7)).isEqualTo("integer");
    assertThat(byName.get("iabp_start").get(7)).isEqualTo("datetime_seconds_ymd");
    assertThat(byName.get("ischemic").get(3)).isEqualTo("yesno");
    assertThat(byName.get("arm").get(5)).isEqualTo("1, early-iabp | 2, standard-care");
  }

  @Test
  void theShapeCheck_reportsValuesThatDoNotFitTheirField() throws IOException {
    StringWriter dictionary = new StringWriter();
    RedcapCsv.writeDictionary(layout, dictionary);
    List<String> header = RedcapCsv.exportHeader(layout);
    List<String> good = RedcapCsv.exportRow(layout, EdcFixtures.row(layout, "p-1", "early-iabp"));
    List<String> bad = new java.util.ArrayList<>(good);
    bad.set(header.indexOf("randomization_time"), "2025-03-01T06:30:00Z");
    bad.set(header.indexOf("arm"), "early-iabp");
    bad.set(header.indexOf("ischemic"), "true");
    bad.set(header.indexOf("age"), "64.5");
    StringWriter export = new StringWriter();
    RedcapCsv csv = new RedcapCsv(export);
    csv.row(header);
    csv.row(good);
    csv.row(bad);
    csv.row(good);

    assertThat(RedcapShape.problems(dictionary.toString(), export.toString()))
        .anyMatch(p -> p.contains("randomization_time: not YYYY-MM-DD HH:MM:SS"))
        .anyMatch(p -> p.contains("arm: not one of"))
        .anyMatch(p -> p.contains("ischemic: not 1/0"))
        .anyMatch(p -> p.contains("age: not an integer"))
        .anyMatch(p -> p.contains("record_id empty or repeated: p-1"));
  }

  static Map<String, String> zip(List<String> names, List<String> values) {
    assertThat(values).hasSameSizeAs(names);
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      map.put(names.get(i), values.get(i));
    }
    return map;
  }
}
