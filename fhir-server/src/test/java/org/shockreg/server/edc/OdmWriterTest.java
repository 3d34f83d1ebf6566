package org.shockreg.server.edc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.shockreg.registry.study.StudyCatalog;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.ExportRow;
import org.w3c.dom.Element;

class OdmWriterTest {

  static byte[] odm(EdcLayout layout, ExportRow... rows) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OdmWriter odm = new OdmWriter(out, layout);
    odm.begin(Instant.parse("2026-12-05T12:00:00.123Z"), "test");
    for (ExportRow row : rows) {
      odm.subject(row);
    }
    odm.end();
    return out.toByteArray();
  }

  @Test
  void altshock2_metadataAndSubjects_areValidOdm132() throws Exception {
    EdcLayout layout = new EdcLayout(EdcFixtures.altshock2());
    byte[] xml =
        odm(
            layout,
            EdcFixtures.row(layout, "p-1", "early-iabp"),
            EdcFixtures.row(layout, "p-2", "standard-care"));

    assertThat(OdmSchema.problems(new ByteArrayInputStream(xml))).isEmpty();
    OdmDocument doc = new OdmDocument(xml);
    assertThat(doc.referentialProblems()).isEmpty();
    assertThat(doc.root().getAttribute("ODMVersion")).isEqualTo("1.3.2");
    assertThat(doc.root().getAttribute("CreationDateTime")).isEqualTo("2026-12-05T12:00:00Z");
    assertThat(doc.all("StudyEventDef"))
        .extracting(e -> e.getAttribute("OID"))
        .containsExactly("Event.screening", "Event.trial");
    assertThat(doc.all("FormDef"))
        .extracting(e -> e.getAttribute("OID"))
        .containsExactly("Form.screening", "Form.randomization", "Form.treatment", "Form.endpoint");
    Map<String, Element> items = doc.itemDefs();
    assertThat(items.get("lvef_baseline").getAttribute("DataType")).isEqualTo("float");
    assertThat(items.get("age").getAttribute("DataType")).isEqualTo("integer");
    assertThat(items.get("iabp_start").getAttribute("DataType")).isEqualTo("datetime");
    assertThat(items.get("ischemic").getAttribute("DataType")).isEqualTo("boolean");
    // every criterion of the study is an item, though the export list names none
    assertThat(items)
        .containsKeys(
            "criterion_age",
            "criterion_etiology",
            "criterion_lvef",
            "criterion_hypotension_hypoperfusion",
            "criterion_scai",
            "criterion_window",
            "criterion_exclusion",
            "criterion_manual",
            "arm",
            "randomization_time");
    assertThat(doc.codes("CL.arm")).containsExactlyInAnyOrder("early-iabp", "standard-care");
    assertThat(doc.codes("CL.endpoint"))
        .containsExactlyInAnyOrder("success", "failure", "incomplete");

    assertThat(doc.subjectKeys()).containsExactly("p-1", "p-2");
    Map<String, String> p1 = doc.values("p-1");
    assertThat(p1)
        .containsEntry("arm", "early-iabp")
        .containsEntry("randomization_time", "2025-03-01T06:30:00Z")
        .containsEntry("cicu_arrival_time", "2025-03-01T04:00:00.250Z")
        .containsEntry("lactate_baseline", "3.1")
        .containsEntry("criterion_manual", "met")
        .containsEntry("deviations", "late-iabp;comma, and \"quote\"")
        .doesNotContainKey("va_ecmo_start");
  }

  @Test
  void studyWithMarkupInItsTexts_andWithoutScreening_isValid() throws Exception {
    StudyDefinition study =
        StudyCatalog.fromJson(
            """
            {"id":"obs-1","title":"Étude <observationnelle> & \\"co\\"","status":"active",
             "arms":[{"code":"watch","name":"Watch & wait"}],
             "export":[{"name":"sbp","label":"SBP < 90?","source":"baseline:sbp","type":"float"}]}
            """);
    EdcLayout layout = new EdcLayout(study);
    List<Object> nothingKnown = java.util.Arrays.asList(new Object[layout.sources().size()]);
    byte[] xml =
        odm(
            layout,
            new ExportRow(
                "pat-&<1>", "watch", Instant.parse("2025-01-01T00:00:00Z"), nothingKnown));

    assertThat(OdmSchema.problems(new ByteArrayInputStream(xml))).isEmpty();
    OdmDocument doc = new OdmDocument(xml);
    assertThat(doc.referentialProblems()).isEmpty();
    assertThat(doc.all("StudyName").get(0).getTextContent())
        .isEqualTo("Étude <observationnelle> & \"co\"");
    assertThat(doc.all("StudyEventDef"))
        .extracting(e -> e.getAttribute("OID"))
        .containsExactly("Event.screening", "Event.trial");
    assertThat(doc.subjectKeys()).containsExactly("pat-&<1>");
    assertThat(doc.values("pat-&<1>")).containsOnlyKeys("arm", "randomization_time");
    assertThat(new String(xml, StandardCharsets.UTF_8)).contains("Watch &amp; wait");
  }

  @Test
  void aStudyWithoutRandomizedSubjects_isMetadataWithAnEmptyClinicalData() throws Exception {
    byte[] xml = odm(new EdcLayout(EdcFixtures.altshock2()));

    assertThat(OdmSchema.problems(new ByteArrayInputStream(xml))).isEmpty();
    OdmDocument doc = new OdmDocument(xml);
    assertThat(doc.all("ClinicalData")).hasSize(1);
    assertThat(doc.subjectKeys()).isEmpty();
    assertThat(doc.itemDefs()).isNotEmpty();
  }

  @Test
  void theSchemaCheck_rejectsAnOdmWithoutGlobalVariables() throws Exception {
    String invalid =
        "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" FileType=\"Snapshot\" FileOID=\"x\""
            + " CreationDateTime=\"2026-12-05T12:00:00Z\" ODMVersion=\"1.3.2\"><Study OID=\"s\">"
            + "<MetaDataVersion OID=\"m\" Name=\"m\"/></Study></ODM>";
    assertThat(
            OdmSchema.problems(new ByteArrayInputStream(invalid.getBytes(StandardCharsets.UTF_8))))
        .anyMatch(p -> p.contains("MetaDataVersion"));
  }
}
