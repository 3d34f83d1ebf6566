package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.DATA_FLAG;
import static org.shockreg.server.fhir.RegistryCodeSystems.UCUM;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;
import java.util.function.Function;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.TimePrecision;

/**
 * What every curated row mapper renders the same way: meta (last updated, flags as tags), stored
 * codings, UCUM quantities, and times at their stored precision in UTC or the site's calendar.
 */
final class CuratedRowValues {

  static final TimeZone UTC = TimeZone.getTimeZone("UTC");
  private static final TypeReference<List<Coding>> CODINGS = new TypeReference<>() {};

  private final ObjectMapper json;
  private final Function<String, ZoneId> siteZones;

  CuratedRowValues(ObjectMapper json, Function<String, ZoneId> siteZones) {
    this.json = json;
    this.siteZones = siteZones;
  }

  ObjectMapper json() {
    return json;
  }

  static void meta(Resource r, ResultSet rs, Array flags) throws SQLException {
    r.getMeta().setLastUpdated(rs.getTimestamp("last_updated"));
    if (flags != null) {
      for (Object flag : (Object[]) flags.getArray()) {
        r.getMeta().addTag(DATA_FLAG, flag.toString(), null);
      }
    }
  }

  void addCodings(CodeableConcept code, String codingsJson) {
    if (codingsJson == null) {
      return;
    }
    try {
      for (Coding c : json.readValue(codingsJson, CODINGS)) {
        code.addCoding(coding(c.system(), c.code(), c.display()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("stored codings are not valid JSON", e);
    }
  }

  static org.hl7.fhir.r4.model.Coding coding(String system, String code, String display) {
    return new org.hl7.fhir.r4.model.Coding(system, code, display);
  }

  static Quantity quantity(BigDecimal value, String unit, String comparator) {
    Quantity q = new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit);
    if (comparator != null) {
      q.setComparator(Quantity.QuantityComparator.fromCode(comparator));
    }
    return q;
  }

  private static DateTimeType dateTime(Timestamp ts) {
    DateTimeType dt =
        new DateTimeType(Date.from(ts.toInstant()), TemporalPrecisionEnum.SECOND, UTC);
    return dt;
  }

  /**
   * A stored time at its stored precision (see {@link #time(Timestamp, String, String)}), or null.
   */
  DateTimeType time(ResultSet rs, String column, String precisionColumn) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : time(ts, rs.getString(precisionColumn), rs.getString("site_id"));
  }

  /**
   * A year, month or date as the FHIR date the source sent: the stored instant is the start of that
   * period in the site's time zone, so its calendar date there is the date as sent (not shifted to
   * UTC). Anything finer is an instant in UTC, as always.
   */
  DateTimeType time(Timestamp ts, String precision, String siteId) {
    TimePrecision p = TimePrecision.ofColumn(precision);
    if (!p.isDate()) {
      return dateTime(ts);
    }
    return new DateTimeType(dateText(ts, p, siteId));
  }

  /**
   * The FHIR date of a year, month or date precision time (see {@link #time(Timestamp, String,
   * String)}).
   */
  String dateText(Timestamp ts, TimePrecision p, String siteId) {
    ZoneId zone = siteId == null ? ZoneOffset.UTC : siteZones.apply(siteId);
    LocalDate local = ts.toInstant().atZone(zone).toLocalDate();
    return switch (p) {
      case YEAR -> String.format("%04d", local.getYear());
      case MONTH -> String.format("%04d-%02d", local.getYear(), local.getMonthValue());
      default -> local.toString();
    };
  }
}
