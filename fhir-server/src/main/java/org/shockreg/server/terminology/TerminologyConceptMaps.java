package org.shockreg.server.terminology;

import static org.shockreg.server.terminology.RegistryTerminology.CONCEPT_MAP_BASE;
import static org.shockreg.server.terminology.RegistryTerminology.DIAGNOSIS_CATEGORY;
import static org.shockreg.server.terminology.RegistryTerminology.PUBLISHER;
import static org.shockreg.server.terminology.RegistryTerminology.REGISTRY_VARIABLE;
import static org.shockreg.server.terminology.RegistryTerminology.ROLE_CODE;
import static org.shockreg.server.terminology.RegistryTerminology.TMCS_DEVICE;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.ConceptMap;
import org.hl7.fhir.r4.model.Enumerations.ConceptMapEquivalence;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.shockreg.mappings.rules.RuleFiles.CodeRef;
import org.shockreg.mappings.rules.RuleFiles.DeviceRule;
import org.shockreg.mappings.rules.RuleFiles.DiagnosisCategoryRule;
import org.shockreg.mappings.rules.RuleFiles.SiteDevice;
import org.shockreg.mappings.rules.RuleFiles.SiteDiagnosis;
import org.shockreg.mappings.rules.RuleFiles.SiteLocation;
import org.shockreg.mappings.rules.RuleFiles.SiteMeasurement;
import org.shockreg.mappings.rules.RuleFiles.TextOverride;
import org.shockreg.mappings.rules.RuleFiles.VariableRule;
import org.shockreg.mappings.rules.RuleSet;
import org.shockreg.mappings.rules.SiteRules;

/**
 * The registry's ConceptMaps: the built-in rule files (measurements, devices, diagnoses, for every
 * site) and each site's local codes, with how a code is converted or overridden in each comment.
 */
final class TerminologyConceptMaps {

  private final RuleSet rules;

  TerminologyConceptMaps(RuleSet rules) {
    this.rules = rules;
  }

  /** Every ConceptMap: the built-in ones, then one per site mapping file with entries. */
  List<ConceptMap> build() {
    List<ConceptMap> out = new ArrayList<>();
    out.add(builtInMeasurements());
    out.add(builtInDevices());
    out.add(builtInDiagnoses());
    for (SiteRules site : rules.sites().values()) {
      if (site.size() > 0) {
        out.add(site(site));
      }
    }
    return out;
  }

  private ConceptMap conceptMap(
      String id, String name, String title, String description, String version) {
    ConceptMap cm = new ConceptMap();
    cm.setId(id);
    cm.setUrl(CONCEPT_MAP_BASE + id);
    cm.setVersion(version);
    cm.setName(name);
    cm.setTitle(title);
    cm.setStatus(PublicationStatus.ACTIVE);
    cm.setExperimental(false);
    cm.setPublisher(PUBLISHER);
    cm.setDescription(description);
    return cm;
  }

  private static String unitComment(String sentIn, VariableRule v) {
    if (sentIn == null) {
      return "curated in " + v.unit();
    }
    if (sentIn.equals(v.unit())) {
      return "sent and curated in " + v.unit();
    }
    return "sent in " + sentIn + "; converted to " + v.unit();
  }

  private ConceptMap builtInMeasurements() {
    ConceptMap cm =
        conceptMap(
            "registry-measurements",
            "RegistryMeasurements",
            "Source codes of the registry measurements (built-in)",
            "LOINC and SNOMED CT codes that feed each registry variable, for every site; the unit a"
                + " code comes in and the registry unit are in each target's comment."
                + " Source: rule file measurements.yaml.",
            rules.version());
    ConceptMapGroups groups = new ConceptMapGroups(cm);
    for (VariableRule v : rules.variables().values()) {
      for (CodeRef c : v.sources()) {
        String comment = unitComment(c.unit(), v);
        if (c.twin() != null) {
          comment += "; the code is replaced by its twin " + c.twin() + " after conversion";
        }
        groups.add(
            c.system(),
            c.code(),
            c.display(),
            REGISTRY_VARIABLE,
            v.variable(),
            v.display(),
            ConceptMapEquivalence.EQUIVALENT,
            comment);
      }
    }
    return cm;
  }

  private ConceptMap builtInDevices() {
    ConceptMap cm =
        conceptMap(
            "registry-devices",
            "RegistryDevices",
            "Procedure codes of the device therapies (built-in)",
            "SNOMED CT, CPT, ICD-10-PCS and NCDR procedure codes of each device therapy, for every"
                + " site; insertion or removal in each target's comment. Source: rule file"
                + " devices.yaml.",
            rules.version());
    ConceptMapGroups groups = new ConceptMapGroups(cm);
    for (DeviceRule d : rules.devices().values()) {
      String insertion = "insertion" + deviceNotes(d);
      for (CodeRef c : d.insertion()) {
        groups.add(
            c.system(),
            c.code(),
            c.display(),
            TMCS_DEVICE,
            d.device(),
            d.display(),
            ConceptMapEquivalence.EQUIVALENT,
            insertion);
      }
      for (CodeRef c : d.removal()) {
        groups.add(
            c.system(),
            c.code(),
            c.display(),
            TMCS_DEVICE,
            d.device(),
            d.display(),
            ConceptMapEquivalence.RELATEDTO,
            removal(d.device()));
      }
    }
    return cm;
  }

  private static String deviceNotes(DeviceRule d) {
    StringBuilder b = new StringBuilder();
    if (d.flags() != null && !d.flags().isEmpty()) {
      b.append("; flagged ").append(String.join(", ", d.flags()));
    }
    if (d.textOverrides() != null) {
      for (TextOverride o : d.textOverrides()) {
        b.append("; ").append(o.device()).append(" when the text matches ").append(o.pattern());
      }
    }
    return b.toString();
  }

  private static String removal(String device) {
    return "removal: closes the open " + device + " therapy";
  }

  private ConceptMap builtInDiagnoses() {
    ConceptMap cm =
        conceptMap(
            "registry-diagnoses",
            "RegistryDiagnoses",
            "Diagnosis codes of the registry's diagnosis categories (built-in)",
            "ICD-10(-CM) and SNOMED CT codes of each diagnosis category, for every site. A code"
                + " commented 'and all its subcodes' stands for a whole ICD category. Source: rule"
                + " file diagnoses.yaml.",
            rules.version());
    ConceptMapGroups groups = new ConceptMapGroups(cm);
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      for (CodeRef c : r.codes()) {
        addDiagnosis(groups, c.system(), c.code(), c.display(), r.category(), null);
      }
    }
    return cm;
  }

  private void addDiagnosis(
      ConceptMapGroups groups,
      String system,
      String code,
      String display,
      String category,
      String note) {
    String comment = null;
    String c = code.trim();
    if (c.endsWith(".*")) {
      c = c.substring(0, c.length() - 2);
      comment = "and all its subcodes";
    } else if (c.endsWith("*")) {
      c = c.substring(0, c.length() - 1);
      comment = "every code starting with " + c;
    }
    if (note != null) {
      comment = comment == null ? note : comment + "; " + note;
    }
    groups.add(
        system,
        c,
        display,
        DIAGNOSIS_CATEGORY,
        category,
        categoryDisplay(category),
        ConceptMapEquivalence.WIDER,
        comment);
  }

  private String categoryDisplay(String category) {
    for (DiagnosisCategoryRule r : rules.diagnosisCategories()) {
      if (r.category().equals(category)) {
        return r.display();
      }
    }
    return null;
  }

  private ConceptMap site(SiteRules site) {
    String id = RegistryTerminology.siteConceptMapId(site.siteId());
    ConceptMap cm =
        conceptMap(
            id,
            "Site" + camel(site.siteId()),
            "Local codes of site " + site.siteId(),
            "Local codes of site "
                + site.siteId()
                + (site.description() == null ? "" : " (" + site.description() + ")")
                + ", from its mapping file "
                + site.file().getFileName()
                + ". They apply to that site's data only and win over the built-in mappings there.",
            site.version());
    cm.setDate(Date.from(site.modified()));
    cm.getMeta().setLastUpdated(Date.from(site.modified()));
    ConceptMapGroups groups = new ConceptMapGroups(cm);
    for (SiteMeasurement m : site.measurements()) {
      VariableRule v = rules.variables().get(m.variable());
      String comment =
          unitComment(m.unit(), v)
              + overrides(
                  rules.variableFor(m.system(), m.code()).map(b -> b.rule().variable()),
                  m.variable());
      groups.add(
          m.system(),
          m.code(),
          m.display(),
          REGISTRY_VARIABLE,
          v.variable(),
          v.display(),
          ConceptMapEquivalence.EQUIVALENT,
          comment);
    }
    for (SiteDevice d : site.devices()) {
      DeviceRule rule = rules.devices().get(d.device());
      boolean removal = Boolean.TRUE.equals(d.removal());
      String comment =
          (removal ? removal(d.device()) : "insertion")
              + overrides(
                  rules.deviceFor(d.system(), d.code()).map(b -> b.rule().device()), d.device());
      groups.add(
          d.system(),
          d.code(),
          d.display(),
          TMCS_DEVICE,
          d.device(),
          rule.display(),
          removal ? ConceptMapEquivalence.RELATEDTO : ConceptMapEquivalence.EQUIVALENT,
          comment);
    }
    for (SiteDiagnosis d : site.diagnoses()) {
      String note = overrides(rules.diagnosisCategoryFor(d.system(), d.code()), d.category());
      addDiagnosis(
          groups,
          d.system(),
          d.code(),
          d.display(),
          d.category(),
          note.isEmpty() ? null : note.substring(2));
    }
    for (CodeRef t : site.intensiveCareTypes()) {
      groups.add(
          t.system(),
          t.code(),
          t.display(),
          ROLE_CODE,
          "ICU",
          "intensive care unit",
          ConceptMapEquivalence.WIDER,
          "Encounter type or service type of an intensive-care (CICU) encounter: its start is CICU arrival");
    }
    for (SiteLocation l : site.intensiveCareLocations()) {
      boolean byId = l.id() != null;
      groups.add(
          byId ? null : l.system(),
          byId ? l.id() : l.code(),
          l.display(),
          ROLE_CODE,
          "ICU",
          "intensive care unit",
          ConceptMapEquivalence.WIDER,
          (byId
                  ? "Location id (Encounter.location = Location/" + l.id() + ")"
                  : "Location identifier in Encounter.location")
              + " of an intensive-care (CICU) unit: the encounter's start is CICU arrival");
    }
    return cm;
  }

  /** "; overrides the built-in mapping to X" when the site maps a built-in code elsewhere. */
  private static String overrides(Optional<String> builtIn, String target) {
    return builtIn
        .filter(b -> !b.equals(target))
        .map(b -> "; at this site instead of the built-in " + b)
        .orElse("");
  }

  private static String camel(String siteId) {
    StringBuilder b = new StringBuilder();
    for (String part : siteId.split("-")) {
      if (!part.isEmpty()) {
        b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return b.toString();
  }
}
