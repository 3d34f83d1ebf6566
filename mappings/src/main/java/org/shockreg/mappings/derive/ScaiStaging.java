package org.shockreg.mappings.derive;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.shockreg.mappings.derive.EpisodeDeriver.Stage;
import org.shockreg.registry.derive.PatientClinicalRecord;
import org.shockreg.registry.derive.PatientClinicalRecord.MeasurementRow;
import org.shockreg.registry.derive.PatientClinicalRecord.TherapyRow;

/**
 * SCAI shock staging over a time window (data-dictionary.md §3, operationalised): measurements
 * flagged implausible are left out; a tMCS therapy counts when it is in place at some time in the
 * window; the stage names the facts it rests on and when the decisive one happened.
 */
final class ScaiStaging {

  private final Set<String> tmcsDevices;

  ScaiStaging(Set<String> tmcsDevices) {
    this.tmcsDevices = tmcsDevices;
  }

  /** What SCAI staging reads; A needs at least one of them (or a device) in the window. */
  static final Set<String> STAGING_VARIABLES = Set.of("sbp", "map", "lactate");

  /** One criterion's matching facts: references and times. */
  private static final class Hits {
    final List<String> refs = new ArrayList<>();
    Instant first;

    Hits add(String ref, Instant at) {
      refs.add(ref);
      if (at != null && (first == null || at.isBefore(first))) {
        first = at;
      }
      return this;
    }

    Hits and(Hits other) {
      Hits h = new Hits();
      h.refs.addAll(refs);
      h.refs.addAll(other.refs);
      h.first =
          first == null ? other.first : (other.first == null ? first : max(first, other.first));
      return h;
    }

    boolean any() {
      return !refs.isEmpty();
    }
  }

  /** The stage over {@code [from, to]}: E, D, C, B, A, or unknown (no input in the window). */
  Stage stage(PatientClinicalRecord r, Instant from, Instant to) {
    List<MeasurementRow> in =
        r.measurements().stream()
            // date-only measurements and device starts cannot be placed in windows of hours
            .filter(
                m ->
                    !m.implausible()
                        && m.value() != null
                        && m.effectiveAt() != null
                        && !m.dateOnly())
            .filter(m -> !m.effectiveAt().isBefore(from) && !m.effectiveAt().isAfter(to))
            .sorted(
                Comparator.comparing(MeasurementRow::effectiveAt)
                    .thenComparing(MeasurementRow::observationId))
            .toList();
    List<TherapyRow> devices =
        r.therapies().stream()
            .filter(
                d -> tmcsDevices.contains(d.device()) && d.start() != null && !d.startDateOnly())
            .filter(d -> !d.start().isAfter(to) && (d.end() == null || !d.end().isBefore(from)))
            .sorted(Comparator.comparing(TherapyRow::start).thenComparing(TherapyRow::procedureId))
            .toList();

    Hits lactate8 = measurements(in, "lactate", v -> v.compareTo(BigDecimal.valueOf(8)) >= 0);
    Hits lactate5 = measurements(in, "lactate", v -> v.compareTo(BigDecimal.valueOf(5)) >= 0);
    Hits lactate2 = measurements(in, "lactate", v -> v.compareTo(BigDecimal.valueOf(2)) >= 0);
    Hits sbp60 = measurements(in, "sbp", v -> v.compareTo(BigDecimal.valueOf(60)) < 0);
    Hits hypotension =
        measurements(in, "sbp", v -> v.compareTo(BigDecimal.valueOf(90)) < 0)
            .and(measurements(in, "map", v -> v.compareTo(BigDecimal.valueOf(65)) < 0));
    Hits vaEcmo = new Hits();
    Hits anyDevice = new Hits();
    Set<String> kinds = new LinkedHashSet<>();
    for (TherapyRow d : devices) {
      anyDevice.add("Procedure/" + d.procedureId(), d.start());
      kinds.add(d.device());
      if ("va-ecmo".equals(d.device())) {
        vaEcmo.add("Procedure/" + d.procedureId(), d.start());
      }
    }

    Hits e = union(lactate8, vaEcmo, sbp60);
    if (e.any()) {
      return new Stage("E", e.refs, e.first);
    }
    Hits d = kinds.size() >= 2 ? union(lactate5, anyDevice) : lactate5;
    if (d.any()) {
      return new Stage("D", d.refs, d.first);
    }
    Hits c =
        union(
            hypotension.any() && lactate2.any() ? hypotension.and(lactate2) : new Hits(),
            anyDevice);
    if (c.any()) {
      return new Stage("C", c.refs, c.first);
    }
    Hits b = union(hypotension, lactate2);
    if (b.any()) {
      return new Stage("B", b.refs, b.first);
    }
    boolean anyInput =
        devices.size() > 0 || in.stream().anyMatch(m -> STAGING_VARIABLES.contains(m.variable()));
    return new Stage(anyInput ? "A" : null, List.of(), null);
  }

  private static Hits measurements(
      List<MeasurementRow> in, String variable, Predicate<BigDecimal> test) {
    Hits h = new Hits();
    for (MeasurementRow m : in) {
      if (variable.equals(m.variable()) && test.test(m.value())) {
        h.add("Observation/" + m.observationId(), m.effectiveAt());
      }
    }
    return h;
  }

  private static Hits union(Hits... all) {
    Hits h = new Hits();
    for (Hits x : all) {
      for (String ref : x.refs) {
        if (!h.refs.contains(ref)) {
          h.refs.add(ref);
        }
      }
      if (x.first != null && (h.first == null || x.first.isBefore(h.first))) {
        h.first = x.first;
      }
    }
    return h;
  }

  private static Instant max(Instant a, Instant b) {
    return b == null || a.isAfter(b) ? a : b;
  }
}
