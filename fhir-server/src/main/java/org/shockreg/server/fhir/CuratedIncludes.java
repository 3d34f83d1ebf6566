package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.CuratedResourceMapper.CONDITION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.ENCOUNTER_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.OBSERVATION_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PATIENT_COLUMNS;
import static org.shockreg.server.fhir.CuratedResourceMapper.PROCEDURE_COLUMNS;

import ca.uhn.fhir.model.api.Include;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * {@code _include} and {@code _revinclude} for the curated types: per page, the resources the
 * page's matches point to (their patient, an Observation's encounter) or that point to them (a
 * patient's Observations, Procedures, Conditions, Encounters; an encounter's Observations), each
 * read with one SQL query by id. Reverse includes are capped at the largest page size per type and
 * page.
 */
final class CuratedIncludes {

  private final RegistryReader reader;
  private final CuratedResourceMapper mapper;
  private final RenderedJson rendered;

  /** {@code rendered}: included rows also rendered as JSON text ({@link RenderedJson}), or null. */
  CuratedIncludes(RegistryReader reader, CuratedResourceMapper mapper, RenderedJson rendered) {
    this.reader = reader;
    this.mapper = mapper;
    this.rendered = rendered;
  }

  private <T extends IBaseResource> RowMapper<T> rows(
      RowMapper<T> rows, RenderedJson.RowJson json) {
    return rendered == null ? rows : rendered.rows(rows, json);
  }

  /**
   * The include values ({@code Type:param}) of HAPI's parsed includes; unknown targets answer 400.
   */
  static List<String> values(Set<Include> includes) {
    return List.copyOf(valueSet(includes));
  }

  /** The include function for a search, or null when nothing is included. */
  Function<List<IBaseResource>, List<IBaseResource>> of(
      List<String> includes, List<String> revIncludes) {
    Set<String> forward = new LinkedHashSet<>(includes);
    Set<String> reverse = new LinkedHashSet<>(revIncludes);
    if (forward.isEmpty() && reverse.isEmpty()) {
      return null;
    }
    return page -> {
      List<IBaseResource> out = new ArrayList<>();
      Set<String> patients = new LinkedHashSet<>();
      Set<String> encounters = new LinkedHashSet<>();
      for (IBaseResource r : page) {
        String type = r.fhirType();
        if (forward.contains(type + ":subject") || forward.contains(type + ":patient")) {
          idOf(subject(r), patients);
        }
        if (r instanceof Observation o && forward.contains("Observation:encounter")) {
          idOf(o.getEncounter(), encounters);
        }
      }
      out.addAll(
          byIds(
              "patient",
              "patient_id",
              PATIENT_COLUMNS,
              rows(mapper.patient(), CuratedJsonWriter::patient),
              patients));
      out.addAll(
          byIds(
              "encounter",
              "encounter_id",
              ENCOUNTER_COLUMNS,
              rows(mapper.encounter(), CuratedJsonWriter::encounter),
              encounters));
      if (!reverse.isEmpty()) {
        List<String> ids = page.stream().map(r -> r.getIdElement().getIdPart()).toList();
        String pageType = page.get(0).fhirType();
        if ("Patient".equals(pageType)) {
          if (reverse.contains("Observation:subject") || reverse.contains("Observation:patient")) {
            out.addAll(
                byPatients(
                    "curated_observation",
                    OBSERVATION_COLUMNS,
                    rows(mapper.observation(), CuratedJsonWriter::observation),
                    ids));
          }
          if (reverse.contains("Procedure:subject") || reverse.contains("Procedure:patient")) {
            out.addAll(
                byPatients(
                    "device_therapy",
                    PROCEDURE_COLUMNS,
                    rows(mapper.procedure(), CuratedJsonWriter::procedure),
                    ids));
          }
          if (reverse.contains("Condition:subject") || reverse.contains("Condition:patient")) {
            out.addAll(
                byPatients(
                    "diagnosis",
                    CONDITION_COLUMNS,
                    rows(mapper.condition(), CuratedJsonWriter::condition),
                    ids));
          }
          if (reverse.contains("Encounter:subject") || reverse.contains("Encounter:patient")) {
            out.addAll(
                byPatients(
                    "encounter",
                    ENCOUNTER_COLUMNS,
                    rows(mapper.encounter(), CuratedJsonWriter::encounter),
                    ids));
          }
        } else if ("Encounter".equals(pageType) && reverse.contains("Observation:encounter")) {
          MapSqlParameterSource p = new MapSqlParameterSource();
          p.addValue("ids", ids.toArray(String[]::new));
          p.addValue("cap", reader.maxIncludes());
          out.addAll(
              reader
                  .jdbc()
                  .query(
                      "SELECT "
                          + OBSERVATION_COLUMNS
                          + " FROM curated_observation WHERE "
                          + observationInEncounters(":ids")
                          + " ORDER BY row_id LIMIT :cap",
                      p,
                      rows(mapper.observation(), CuratedJsonWriter::observation)));
        }
      }
      return out;
    };
  }

  /**
   * Observations whose encounter is one of {@code idsParam}: the stay of their shock episode (a
   * derived fact names its episode; a measurement falls in the episode's time window).
   */
  static String observationInEncounters(String idsParam) {
    // the patient filter is implied by the EXISTS; stated on its own it lets the patient index
    // serve
    return "curated_observation.patient_id IN (SELECT e.patient_id FROM shock_episode e"
        + " WHERE e.encounter_id = ANY("
        + idsParam
        + "))"
        + " AND EXISTS (SELECT 1 FROM shock_episode e WHERE e.encounter_id = ANY("
        + idsParam
        + ")"
        + " AND e.patient_id = curated_observation.patient_id"
        + " AND (e.episode_id = curated_observation.episode_id"
        + " OR curated_observation.effective_at BETWEEN e.window_start AND e.window_end))";
  }

  private static Set<String> valueSet(Set<Include> includes) {
    Set<String> out = new LinkedHashSet<>();
    if (includes != null) {
      for (Include i : includes) {
        if (i.getParamTargetType() != null
            && !"Patient".equals(i.getParamTargetType())
            && !"Encounter".equals(i.getParamTargetType())) {
          throw new InvalidRequestException(
              "SR-SEARCH-22: unsupported include target " + i.getValue());
        }
        out.add(i.getParamType() + ":" + i.getParamName());
      }
    }
    return out;
  }

  private static Reference subject(IBaseResource r) {
    if (r instanceof Observation o) {
      return o.getSubject();
    } else if (r instanceof Procedure p) {
      return p.getSubject();
    } else if (r instanceof Condition c) {
      return c.getSubject();
    } else if (r instanceof Encounter e) {
      return e.getSubject();
    }
    return null;
  }

  private static void idOf(Reference ref, Set<String> into) {
    if (ref != null && ref.hasReference()) {
      into.add(ref.getReferenceElement().getIdPart());
    }
  }

  private <T extends IBaseResource> List<T> byIds(
      String table, String idColumn, String columns, RowMapper<T> rows, Set<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return reader
        .jdbc()
        .query(
            "SELECT "
                + columns
                + " FROM "
                + table
                + " WHERE "
                + idColumn
                + " = ANY(:ids) ORDER BY row_id",
            new MapSqlParameterSource("ids", ids.toArray(String[]::new)),
            rows);
  }

  private <T extends IBaseResource> List<T> byPatients(
      String table, String columns, RowMapper<T> rows, List<String> patients) {
    MapSqlParameterSource p = new MapSqlParameterSource();
    p.addValue("ids", patients.toArray(String[]::new));
    p.addValue("cap", reader.maxIncludes());
    return reader
        .jdbc()
        .query(
            "SELECT "
                + columns
                + " FROM "
                + table
                + " WHERE patient_id = ANY(:ids) ORDER BY row_id LIMIT :cap",
            p,
            rows);
  }
}
