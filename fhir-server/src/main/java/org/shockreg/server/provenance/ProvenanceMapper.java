package org.shockreg.server.provenance;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Date;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Provenance.ProvenanceEntityComponent;
import org.hl7.fhir.r4.model.Provenance.ProvenanceEntityRole;
import org.hl7.fhir.r4.model.Reference;
import org.shockreg.server.fhir.RegistryCodeSystems;
import org.springframework.jdbc.core.RowMapper;

/**
 * Renders one row of {@link ProvenanceSql} as a FHIR R4 Provenance: the curated fact as {@code
 * target}, ShockReg (a Device) as the assembling agent on behalf of the site, and the source
 * resource as an {@code entity} with role {@code source}, named by an identifier-based reference
 * ({@code https://fhir.shockreg.org/sid/source/<site>} | {@code Type/id/_history/version}).
 *
 * <p>A curated Patient's source is the hospital's Patient resource, whose logical id is the source
 * patient id: the link pseudonym -> source identity stays hospital-side, so that entity names the
 * type, site and version but never the id.
 */
final class ProvenanceMapper implements RowMapper<Provenance> {

  static final String SITE_SYSTEM = RegistryCodeSystems.BASE + "/sid/site";
  static final String SOURCE_SYSTEM_PREFIX = RegistryCodeSystems.BASE + "/sid/source/";
  static final String RECEIVED_VERSION =
      RegistryCodeSystems.BASE + "/StructureDefinition/source-received-version";
  static final String INTAKE_CHANNEL =
      RegistryCodeSystems.BASE + "/StructureDefinition/intake-channel";
  static final String DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
  static final String PARTICIPANT_TYPE =
      "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  @Override
  public Provenance mapRow(ResultSet rs, int rowNum) throws SQLException {
    CuratedFactKind kind =
        CuratedFactKind.ofPrefix(rs.getString("kind"))
            .orElseThrow(() -> new IllegalStateException("unknown fact kind"));
    String factId = rs.getString("fact_id");
    String site = rs.getString("site_id");
    Timestamp lastUpdated = rs.getTimestamp("last_updated");
    Timestamp receivedAt = rs.getTimestamp("received_at");
    long receivedVersion = rs.getLong("received_version");

    Provenance p = new Provenance();
    p.setId(kind.provenanceId(factId));
    p.getMeta().setLastUpdated(lastUpdated);
    p.addTarget(new Reference(kind.resourceType + "/" + factId));
    // recorded: when the source resource (this version) was received; occurred: when it was curated
    p.setRecordedElement(instant(receivedAt != null ? receivedAt : lastUpdated));
    p.setOccurred(
        new DateTimeType(Date.from(lastUpdated.toInstant()), TemporalPrecisionEnum.SECOND, UTC));
    boolean update = receivedVersion > 1;
    p.setActivity(
        new CodeableConcept(
                new Coding(
                    DATA_OPERATION, update ? "UPDATE" : "CREATE", update ? "revise" : "create"))
            .setText(update ? "curated from a new version of the source resource" : "curated"));

    Provenance.ProvenanceAgentComponent agent = p.addAgent();
    agent.setType(new CodeableConcept(new Coding(PARTICIPANT_TYPE, "assembler", "Assembler")));
    agent.setWho(new Reference().setType("Device").setDisplay("ShockReg"));
    agent.setOnBehalfOf(
        new Reference()
            .setType("Organization")
            .setIdentifier(new Identifier().setSystem(SITE_SYSTEM).setValue(site))
            .setDisplay(site));

    ProvenanceEntityComponent source =
        source(
            site,
            rs.getString("source_type"),
            kind == CuratedFactKind.PATIENT ? null : rs.getString("source_id"),
            rs.getString("source_version"));
    if (receivedVersion > 0) {
      source.addExtension(RECEIVED_VERSION, new IntegerType(receivedVersion));
    }
    String channel = rs.getString("channel");
    if (channel != null) {
      source.addExtension(INTAKE_CHANNEL, new CodeType(channel));
    }
    p.addEntity(source);

    String removalId = rs.getString("removal_source_id");
    if (removalId != null) {
      String removalType = rs.getString("removal_source_type");
      ProvenanceEntityComponent removal =
          source(
              site,
              removalType == null ? "Procedure" : removalType,
              removalId,
              rs.getString("removal_version"));
      removal
          .getWhat()
          .setDisplay(removal.getWhat().getDisplay() + " (removal that ended the therapy)");
      p.addEntity(removal);
    }
    return p;
  }

  private static ProvenanceEntityComponent source(
      String site, String type, String id, String version) {
    ProvenanceEntityComponent entity = new ProvenanceEntityComponent();
    entity.setRole(ProvenanceEntityRole.SOURCE);
    Reference what = new Reference().setType(type);
    String versionText = version == null ? "" : " version " + version;
    if (id == null) {
      what.setDisplay(type + " of site " + site + versionText + " (source id withheld)");
    } else {
      String value = type + "/" + id + (version == null ? "" : "/_history/" + version);
      what.setIdentifier(new Identifier().setSystem(SOURCE_SYSTEM_PREFIX + site).setValue(value));
      what.setDisplay(type + "/" + id + versionText + " of site " + site);
    }
    entity.setWhat(what);
    return entity;
  }

  private static InstantType instant(Timestamp ts) {
    return new InstantType(Date.from(ts.toInstant()), TemporalPrecisionEnum.MILLI, UTC);
  }
}
