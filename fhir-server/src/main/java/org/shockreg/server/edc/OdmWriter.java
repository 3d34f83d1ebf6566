package org.shockreg.server.edc;

import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.shockreg.registry.study.StudyDefinition;
import org.shockreg.registry.trial.ExportRow;
import org.shockreg.server.edc.EdcLayout.Item;
import org.shockreg.server.edc.EdcLayout.Section;

/**
 * CDISC ODM 1.3.2 (a Snapshot of metadata and clinical data) written with StAX straight to a
 * stream: {@link #begin} writes the Study (GlobalVariables, MetaDataVersion with Protocol, one
 * StudyEventDef per event, FormDefs, ItemGroupDefs, ItemDefs, CodeLists) and opens ClinicalData;
 * {@link #subject} writes one SubjectData; {@link #end} closes the document. Items without a value
 * are left out, and so are item groups and forms left empty.
 */
final class OdmWriter {

  static final String NS = "http://www.cdisc.org/ns/odm/v1.3";
  private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

  private final XMLStreamWriter xml;
  private final EdcLayout layout;
  private final String mdvOid;
  private final Map<Section, List<Item>> bySection = new LinkedHashMap<>();
  private int depth;

  OdmWriter(OutputStream out, EdcLayout layout) throws XMLStreamException {
    this.xml = FACTORY.createXMLStreamWriter(out, "UTF-8");
    this.layout = layout;
    this.mdvOid = "MDV." + layout.study().id();
    for (Item item : layout.odmItems()) {
      bySection.computeIfAbsent(item.section(), k -> new ArrayList<>()).add(item);
    }
  }

  void begin(Instant now, String sourceSystemVersion) throws XMLStreamException {
    StudyDefinition study = layout.study();
    String created = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    xml.writeStartDocument("UTF-8", "1.0");
    xml.setDefaultNamespace(NS);
    open("ODM");
    xml.writeDefaultNamespace(NS);
    xml.writeAttribute("FileType", "Snapshot");
    xml.writeAttribute("Granularity", "All");
    xml.writeAttribute(
        "FileOID", "shockreg." + study.id() + "." + created.replace(":", "").replace("-", ""));
    xml.writeAttribute("CreationDateTime", created);
    xml.writeAttribute("AsOfDateTime", created);
    xml.writeAttribute("ODMVersion", "1.3.2");
    xml.writeAttribute("Originator", "ShockReg");
    xml.writeAttribute("SourceSystem", "ShockReg");
    if (sourceSystemVersion != null) {
      xml.writeAttribute("SourceSystemVersion", sourceSystemVersion);
    }
    open("Study");
    xml.writeAttribute("OID", study.id());
    open("GlobalVariables");
    text("StudyName", study.title() == null ? study.id() : study.title());
    text("StudyDescription", study.description() == null ? "" : study.description().strip());
    text(
        "ProtocolName",
        study.identifiers().isEmpty() ? study.id() : study.identifiers().get(0).value());
    close();
    metaDataVersion(study);
    close(); // Study
    open("ClinicalData");
    xml.writeAttribute("StudyOID", study.id());
    xml.writeAttribute("MetaDataVersionOID", mdvOid);
  }

  private void metaDataVersion(StudyDefinition study) throws XMLStreamException {
    Map<String, List<Section>> formsOfEvent = new LinkedHashMap<>();
    Map<String, List<Section>> sectionsOfForm = new LinkedHashMap<>();
    for (Section s : bySection.keySet()) {
      List<Section> forms = formsOfEvent.computeIfAbsent(s.event, k -> new ArrayList<>());
      if (forms.stream().noneMatch(f -> f.form.equals(s.form))) {
        forms.add(s);
      }
      sectionsOfForm.computeIfAbsent(s.form, k -> new ArrayList<>()).add(s);
    }
    open("MetaDataVersion");
    xml.writeAttribute("OID", mdvOid);
    xml.writeAttribute("Name", study.id() + " registry export");
    xml.writeAttribute("Description", "ShockReg export of the study definition " + study.id());
    open("Protocol");
    int order = 1;
    // every exported subject is randomized; screening data exist only for subjects with an episode
    for (String event : formsOfEvent.keySet()) {
      empty(
          "StudyEventRef",
          "StudyEventOID",
          "Event." + event,
          "OrderNumber",
          Integer.toString(order++),
          "Mandatory",
          yesNo(event.equals(Section.RANDOMIZATION.event)));
    }
    close();
    for (Map.Entry<String, List<Section>> e : formsOfEvent.entrySet()) {
      Section first = e.getValue().get(0);
      open("StudyEventDef");
      attributes(
          "OID", first.eventOid(), "Name", first.eventName, "Repeating", "No", "Type", "Scheduled");
      order = 1;
      for (Section form : e.getValue()) {
        empty(
            "FormRef",
            "FormOID",
            form.formOid(),
            "OrderNumber",
            Integer.toString(order++),
            "Mandatory",
            yesNo(form.form.equals(Section.RANDOMIZATION.form)));
      }
      close();
    }
    for (List<Section> sections : sectionsOfForm.values()) {
      open("FormDef");
      attributes(
          "OID", sections.get(0).formOid(), "Name", sections.get(0).formName, "Repeating", "No");
      order = 1;
      for (Section s : sections) {
        empty(
            "ItemGroupRef",
            "ItemGroupOID",
            s.groupOid(),
            "OrderNumber",
            Integer.toString(order++),
            "Mandatory",
            yesNo(s == Section.RANDOMIZATION));
      }
      close();
    }
    for (Map.Entry<Section, List<Item>> e : bySection.entrySet()) {
      open("ItemGroupDef");
      attributes("OID", e.getKey().groupOid(), "Name", e.getKey().groupName, "Repeating", "No");
      order = 1;
      for (Item item : e.getValue()) {
        empty(
            "ItemRef",
            "ItemOID",
            item.name(),
            "OrderNumber",
            Integer.toString(order++),
            "Mandatory",
            item.mandatory() ? "Yes" : "No");
      }
      close();
    }
    for (Item item : layout.odmItems()) {
      itemDef(item);
    }
    for (EdcLayout.CodeList list : layout.codeLists()) {
      open("CodeList");
      attributes("OID", list.oid(), "Name", list.name(), "DataType", "text");
      for (EdcLayout.Code code : list.codes()) {
        open("CodeListItem");
        xml.writeAttribute("CodedValue", code.value());
        open("Decode");
        translated(code.decode());
        close();
        close();
      }
      close();
    }
    close(); // MetaDataVersion
  }

  private void itemDef(Item item) throws XMLStreamException {
    open("ItemDef");
    attributes("OID", item.name(), "Name", item.name(), "DataType", item.type());
    open("Question");
    translated(item.label());
    close();
    if (item.codeList() != null) {
      empty("CodeListRef", "CodeListOID", item.codeList().oid());
    }
    empty("Alias", "Context", "ShockReg source", "Name", item.source());
    close();
  }

  /** One randomized subject: SubjectKey is the curated Patient id. */
  void subject(ExportRow row) throws XMLStreamException {
    open("SubjectData");
    xml.writeAttribute("SubjectKey", row.patientId());
    String event = null;
    String form = null;
    for (Map.Entry<Section, List<Item>> e : bySection.entrySet()) {
      Section s = e.getKey();
      List<String[]> values = new ArrayList<>();
      for (Item item : e.getValue()) {
        String v = EdcValues.odm(item.type(), layout.value(item, row));
        if (!v.isEmpty()) {
          values.add(new String[] {item.name(), v});
        }
      }
      if (values.isEmpty()) {
        continue;
      }
      if (!s.event.equals(event)) {
        if (form != null) {
          close(); // FormData
        }
        if (event != null) {
          close(); // StudyEventData
        }
        open("StudyEventData");
        xml.writeAttribute("StudyEventOID", s.eventOid());
        event = s.event;
        form = null;
      }
      if (!s.form.equals(form)) {
        if (form != null) {
          close();
        }
        open("FormData");
        xml.writeAttribute("FormOID", s.formOid());
        form = s.form;
      }
      open("ItemGroupData");
      xml.writeAttribute("ItemGroupOID", s.groupOid());
      for (String[] v : values) {
        empty("ItemData", "ItemOID", v[0], "Value", v[1]);
      }
      close();
    }
    if (form != null) {
      close();
    }
    if (event != null) {
      close();
    }
    close(); // SubjectData
  }

  void end() throws XMLStreamException {
    close(); // ClinicalData
    close(); // ODM
    xml.writeCharacters("\n");
    xml.writeEndDocument();
    xml.flush();
    xml.close();
  }

  private static String yesNo(boolean yes) {
    return yes ? "Yes" : "No";
  }

  // ---- indented output --------------------------------------------------------------------------

  private void indent() throws XMLStreamException {
    xml.writeCharacters("\n" + "  ".repeat(depth));
  }

  private void open(String name) throws XMLStreamException {
    indent();
    xml.writeStartElement(NS, name);
    depth++;
  }

  private void close() throws XMLStreamException {
    depth--;
    indent();
    xml.writeEndElement();
  }

  private void empty(String name, String... attributes) throws XMLStreamException {
    indent();
    xml.writeEmptyElement(NS, name);
    attributes(attributes);
  }

  private void attributes(String... nameValue) throws XMLStreamException {
    for (int i = 0; i < nameValue.length; i += 2) {
      xml.writeAttribute(nameValue[i], nameValue[i + 1]);
    }
  }

  private void text(String name, String value) throws XMLStreamException {
    indent();
    xml.writeStartElement(NS, name);
    xml.writeCharacters(value);
    xml.writeEndElement();
  }

  private void translated(String value) throws XMLStreamException {
    indent();
    xml.writeStartElement(NS, "TranslatedText");
    xml.writeAttribute(XMLConstants.XML_NS_PREFIX, XMLConstants.XML_NS_URI, "lang", "en");
    xml.writeCharacters(value);
    xml.writeEndElement();
  }
}
