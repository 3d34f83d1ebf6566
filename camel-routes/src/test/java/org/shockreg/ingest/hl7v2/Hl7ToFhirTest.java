package org.shockreg.ingest.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HL7 v2 text to the FHIR resources intake takes in, without a server. */
class Hl7ToFhirTest {

  static final Hl7Context CTX =
      new Hl7Context(
          "site-a",
          ZoneId.of("Europe/Rome"),
          Map.of("HOSP", "https://hosp.example.org/mrn"),
          new ObjectMapper(),
          (site, type, id) -> null,
          (site, location) -> "CICU".equals(location));

  static String oru(String version, String eol) {
    return String.join(
        eol,
        "MSH|^~\\&|LAB|HOSP|SR|SR|20250602143000+0200||ORU^R01|M1|P|" + version,
        "PID|1||123^^^HOSP^MR~999^^^&2.16.840.1.113883.2.9&ISO||Doe^J||19600101|M",
        "OBR|1||F1|P^Panel^L|||20250602140000",
        "OBX|1|NM|2524-7^Lactate^LN||3.4|mmol/L^^UCUM||H|||F",
        "OBX|2|SN|10230-1^LVEF^LN||^30^-^35|%|||||C|||20250602141500",
        "ZXX|1|site specific",
        "OBX|3|ST|X1^M\\E\\ller \\F\\ Sohn \\T\\ Co^99LAB||EF 25 %||||||D",
        "OBX|4|SN|10230-1^LVEF^LN||<^20|%|||||P");
  }

  List<ObjectNode> convert(String text) throws Exception {
    return Hl7ToFhir.convert(Hl7Message.parse(text), CTX).resources();
  }

  @ParameterizedTest
  @ValueSource(strings = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"})
  void everyVersionFromTwoThreeToTwoEightReadsAlike(String version) throws Exception {
    List<ObjectNode> r = convert(oru(version, "\r"));
    assertThat(r).hasSize(5);
    assertThat(r.get(0).get("resourceType").asText()).isEqualTo("Patient");
    assertThat(r.subList(1, 5))
        .allSatisfy(o -> assertThat(o.get("resourceType").asText()).isEqualTo("Observation"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\r", "\n", "\r\n"})
  void segmentsEndWithCrLfOrBoth(String eol) throws Exception {
    assertThat(convert(oru("2.5.1", eol))).hasSize(5);
  }

  @Test
  void valuesUnitsStatusesTimesAndEscapes() throws Exception {
    List<ObjectNode> r = convert(oru("2.5.1", "\r"));
    JsonNode patient = r.get(0);
    assertThat(patient.at("/identifier/0/system").asText())
        .isEqualTo("https://hosp.example.org/mrn");
    assertThat(patient.at("/identifier/1/system").asText())
        .isEqualTo("urn:oid:2.16.840.1.113883.2.9");
    assertThat(patient.has("name")).isFalse();
    assertThat(patient.get("birthDate").asText()).isEqualTo("1960-01-01");
    assertThat(patient.at("/meta/lastUpdated").asText()).isEqualTo("2025-06-02T12:30:00Z");

    JsonNode lactate = r.get(1);
    assertThat(lactate.at("/code/coding/0/system").asText()).isEqualTo("http://loinc.org");
    assertThat(lactate.at("/valueQuantity/value").decimalValue()).isEqualByComparingTo("3.4");
    assertThat(lactate.at("/valueQuantity/code").asText()).isEqualTo("mmol/L");
    assertThat(lactate.get("status").asText()).isEqualTo("final");
    // OBX-14 empty: OBR-7, without offset (read in the site's zone by the mapping engine)
    assertThat(lactate.get("effectiveDateTime").asText()).isEqualTo("2025-06-02T14:00:00");
    assertThat(lactate.at("/subject/reference").asText())
        .isEqualTo("Patient/" + patient.get("id").asText());

    JsonNode range = r.get(2);
    assertThat(range.at("/valueRange/low/value").intValue()).isEqualTo(30);
    assertThat(range.at("/valueRange/high/value").intValue()).isEqualTo(35);
    assertThat(range.get("status").asText()).isEqualTo("corrected");

    JsonNode text = r.get(3);
    assertThat(text.at("/code/coding/0/display").asText()).isEqualTo("M\\ller | Sohn & Co");
    assertThat(text.get("valueString").asText()).isEqualTo("EF 25 %");
    assertThat(text.get("status").asText()).isEqualTo("entered-in-error");

    JsonNode bound = r.get(4);
    assertThat(bound.at("/valueQuantity/comparator").asText()).isEqualTo("<");
    assertThat(bound.get("status").asText()).isEqualTo("preliminary");
  }

  @Test
  void resendsAndCorrectionsKeepTheSourceIds() throws Exception {
    List<ObjectNode> first = convert(oru("2.5.1", "\r"));
    List<ObjectNode> again =
        convert(oru("2.5.1", "\r").replace("|M1|", "|M2|").replace("||F\r", "||C\r"));
    for (int i = 0; i < first.size(); i++) {
      assertThat(again.get(i).get("id")).isEqualTo(first.get(i).get("id"));
    }
    assertThat(first.stream().map(o -> o.get("id").asText()).distinct()).hasSize(5);
  }

  @Test
  void anOruWithTwoPatientsFilesEachResultUnderItsOwnPid() throws Exception {
    String two =
        "MSH|^~\\&|LAB|HOSP|SR|SR|20250602143000||ORU^R01|M1|P|2.5.1\r"
            + "PID|1||111^^^HOSP^MR\rOBR|1||F1|P^Panel^L|||20250602140000\r"
            + "OBX|1|NM|8867-4^HR^LN||80|/min|||||F\r"
            + "PID|2|222^^^HOSP^MR\rOBR|1||F2|P^Panel^L|||20250602140000\r"
            + "OBX|1|NM|8867-4^HR^LN||90|/min|||||F\r";
    List<ObjectNode> r = convert(two);
    assertThat(r)
        .extracting(o -> o.get("resourceType").asText())
        .containsExactly("Patient", "Observation", "Patient", "Observation");
    assertThat(r.get(1).at("/subject/reference").asText())
        .isEqualTo("Patient/" + r.get(0).get("id").asText());
    // the second PID has only PID-2 (v2.3 external id)
    assertThat(r.get(2).at("/identifier/0/value").asText()).isEqualTo("222");
    assertThat(r.get(3).at("/subject/reference").asText())
        .isEqualTo("Patient/" + r.get(2).get("id").asText());
  }

  @Test
  void unsupportedTypesAndGarbage() {
    assertThatThrownBy(() -> convert("MSH|^~\\&|A|B|C|D|20250101||ORM^O01|1|P|2.5\rPID|1||1"))
        .isInstanceOf(Hl7ToFhir.Unsupported.class);
    assertThatThrownBy(() -> Hl7Message.parse("not hl7"))
        .isInstanceOf(Hl7Message.Unparseable.class);
    assertThatThrownBy(() -> Hl7Message.parse("MSH|^~\\&|A|B|C|D|20250101||ORU^R01|1|P|9.9\r"))
        .isInstanceOf(Hl7Message.Unparseable.class);
  }

  @Test
  void msh18DecidesTheCharset() throws Exception {
    String text =
        "MSH|^~\\&|A|B|C|D|20250101||ORU^R01|1|P|2.5||||||8859/15\rOBX|1|ST|X^Kosten €^L||1\r";
    byte[] bytes = text.getBytes(Charset.forName("ISO-8859-15"));
    Hl7Charsets.Decoded d = Hl7Charsets.decode(bytes, "UTF-8");
    assertThat(d.charset()).isEqualTo(Charset.forName("ISO-8859-15"));
    assertThat(d.text()).contains("Kosten €");
    // no MSH-18: UTF-8, else Latin-1
    byte[] latin =
        "MSH|^~\\&|A|B|C|D|1||ORU^R01|1|P|2.5\rOBX|1|ST|X^Größe^L\r"
            .getBytes(StandardCharsets.ISO_8859_1);
    assertThat(Hl7Charsets.decode(latin, "UTF-8").text()).contains("Größe");
    assertThatThrownBy(
            () ->
                Hl7Charsets.decode(
                    text.replace("8859/15", "EBCDIC").getBytes(StandardCharsets.US_ASCII), "UTF-8"))
        .isInstanceOf(Hl7Charsets.UnknownCharset.class);
  }

  @Test
  void adtTransferIntoTheCicuStartsAnIntensiveCareStay() throws Exception {
    String a02 =
        "MSH|^~\\&|ADT|HOSP|SR|SR|20250601100000||ADT^A02|A1|P|2.5\r"
            + "EVN|A02|20250601100000\r"
            + "PID|1||123^^^HOSP^MR\r"
            + "PV1|1|I|CICU^3^1|||WARD^1^1|||||||||||||V-1|||||||||||||||||||||||||20250601080000\r";
    List<ObjectNode> r = convert(a02);
    assertThat(r).hasSize(3);
    assertThat(r.get(1).at("/period/start").asText()).isEqualTo("2025-06-01T08:00:00");
    assertThat(r.get(1).has("location")).isFalse();
    assertThat(r.get(2).at("/period/start").asText()).isEqualTo("2025-06-01T10:00:00");
    assertThat(r.get(2).at("/location/0/location/reference").asText()).isEqualTo("Location/CICU");
  }

  @Test
  void ackSwapsSenderAndReceiverOfAParsedMessage() throws Exception {
    Ack.Header h =
        Ack.Header.of(
            Hl7Message.parse(oru("2.5.1", "\r").replace("|LAB|HOSP|", "|LAB^1.2.3^ISO|HOSP|")));
    String msh = Ack.build(h, Ack.AA, null, List.of()).split("\r")[0];
    assertThat(msh).startsWith("MSH|^~\\&|SR|SR|LAB^1.2.3^ISO|HOSP|");
    assertThat(h.controlId()).isEqualTo("M1");
  }

  @Test
  void ackEchoesControlIdAndEscapesErrors() {
    Ack.Header h =
        Ack.Header.ofUnparsed("MSH|^~\\&|LAB|HOSP|SR|REG|20250101||ORU^R01|C-9|P|2.4||||||8859/1");
    String ack =
        Ack.build(
            h, Ack.AE, null, List.of(new Ack.Error("OBX", 2, 6, "103", "unit 'a|b' unknown")));
    String[] segs = ack.split("\r");
    assertThat(segs[0])
        .startsWith("MSH|^~\\&|SR|REG|LAB|HOSP|")
        .contains("|ACK^R01^ACK|")
        .endsWith("|2.4||||||8859/1");
    assertThat(segs[1]).isEqualTo("MSA|AE|C-9");
    assertThat(segs[2])
        .isEqualTo(
            "ERR|OBX^2^6^103&Table value not found&HL70357|OBX^2^6|103^Table value not found^HL70357|E||||unit 'a\\F\\b' unknown");
  }
}
