package org.shockreg.server.edc;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * An ODM document read into a DOM (small test documents only) with the checks the XSD cannot make:
 * every OID reference resolves, ItemData sits in a group that declares the item, coded values are
 * in their code list and values parse as their item's DataType.
 */
public final class OdmDocument {

  private final Document doc;

  public OdmDocument(byte[] xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    this.doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
  }

  public List<Element> all(String name) {
    NodeList nodes = doc.getElementsByTagNameNS(OdmWriter.NS, name);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  static List<Element> children(Element parent, String name) {
    NodeList nodes = parent.getElementsByTagNameNS(OdmWriter.NS, name);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  public Element root() {
    return doc.getDocumentElement();
  }

  /** ItemDef OID -> the element. */
  public Map<String, Element> itemDefs() {
    Map<String, Element> out = new LinkedHashMap<>();
    all("ItemDef").forEach(e -> out.put(e.getAttribute("OID"), e));
    return out;
  }

  /** The SubjectKeys in document order. */
  public List<String> subjectKeys() {
    return all("SubjectData").stream().map(e -> e.getAttribute("SubjectKey")).toList();
  }

  /** ItemOID -> Value of one subject. */
  public Map<String, String> values(String subjectKey) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Element s : all("SubjectData")) {
      if (s.getAttribute("SubjectKey").equals(subjectKey)) {
        children(s, "ItemData")
            .forEach(d -> out.put(d.getAttribute("ItemOID"), d.getAttribute("Value")));
      }
    }
    return out;
  }

  /** The coded values of a code list. */
  public Set<String> codes(String codeListOid) {
    Set<String> out = new HashSet<>();
    for (Element cl : all("CodeList")) {
      if (cl.getAttribute("OID").equals(codeListOid)) {
        children(cl, "CodeListItem").forEach(i -> out.add(i.getAttribute("CodedValue")));
      }
    }
    return out;
  }

  /** What the schema does not check; empty when every reference and value holds. */
  public List<String> referentialProblems() {
    List<String> problems = new ArrayList<>();
    Set<String> events = oids("StudyEventDef");
    Set<String> forms = oids("FormDef");
    Set<String> groups = oids("ItemGroupDef");
    Map<String, Element> items = itemDefs();
    Set<String> codeLists = oids("CodeList");
    refs(problems, "StudyEventRef", "StudyEventOID", events);
    refs(problems, "FormRef", "FormOID", forms);
    refs(problems, "ItemGroupRef", "ItemGroupOID", groups);
    refs(problems, "ItemRef", "ItemOID", items.keySet());
    refs(problems, "CodeListRef", "CodeListOID", codeLists);
    refs(problems, "StudyEventData", "StudyEventOID", events);
    refs(problems, "FormData", "FormOID", forms);
    refs(problems, "ItemGroupData", "ItemGroupOID", groups);
    Map<String, Set<String>> itemsOfGroup = new HashMap<>();
    for (Element g : all("ItemGroupDef")) {
      Set<String> declared = new HashSet<>();
      children(g, "ItemRef").forEach(r -> declared.add(r.getAttribute("ItemOID")));
      itemsOfGroup.put(g.getAttribute("OID"), declared);
    }
    for (Element group : all("ItemGroupData")) {
      String groupOid = group.getAttribute("ItemGroupOID");
      for (Element data : children(group, "ItemData")) {
        String oid = data.getAttribute("ItemOID");
        String value = data.getAttribute("Value");
        Element def = items.get(oid);
        if (def == null) {
          problems.add("ItemData of unknown item " + oid);
          continue;
        }
        if (!itemsOfGroup.getOrDefault(groupOid, Set.of()).contains(oid)) {
          problems.add("ItemData " + oid + " in group " + groupOid + " that does not declare it");
        }
        String typeProblem = valueProblem(def.getAttribute("DataType"), value);
        if (typeProblem != null) {
          problems.add(oid + ": " + typeProblem);
        }
        List<Element> ref = children(def, "CodeListRef");
        if (!ref.isEmpty() && !codes(ref.get(0).getAttribute("CodeListOID")).contains(value)) {
          problems.add(oid + ": " + value + " is not in " + ref.get(0).getAttribute("CodeListOID"));
        }
      }
    }
    return problems;
  }

  private static String valueProblem(String dataType, String value) {
    try {
      switch (dataType) {
        case "integer" -> Long.parseLong(value);
        case "float" -> new BigDecimal(value);
        case "datetime" -> OffsetDateTime.parse(value);
        case "boolean" -> {
          if (!Set.of("1", "0", "true", "false").contains(value)) {
            return "not a boolean: " + value;
          }
        }
        default -> {}
      }
      return null;
    } catch (RuntimeException e) {
      return "not a " + dataType + ": " + value;
    }
  }

  private Set<String> oids(String element) {
    Set<String> out = new HashSet<>();
    all(element).forEach(e -> out.add(e.getAttribute("OID")));
    return out;
  }

  private void refs(List<String> problems, String element, String attribute, Set<String> targets) {
    for (Element e : all(element)) {
      if (!targets.contains(e.getAttribute(attribute))) {
        problems.add(
            element + " " + attribute + "=" + e.getAttribute(attribute) + " refers to nothing");
      }
    }
  }
}
