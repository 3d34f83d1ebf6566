package org.shockreg.ingest.demo;

import java.util.TimeZone;

/**
 * The three demo sites, in the order patients are dealt to them. They deliberately speak different
 * dialects (see {@link SyntheticCohortGenerator}); the resources of one patient are written in its
 * site's dialect by {@link SourceRecord}.
 */
enum DemoSite {
  MILANO(
      "demo-milano",
      1,
      "Europe/Rome",
      "Milano",
      "IT",
      "201",
      "Via Padova, Corso Buenos Aires, Viale Monza, Via Torino, Via Nizza",
      "Marco, Giuseppe, Luca, Francesco, Alessandro, Giovanni, Nicolò, Stefano",
      "Giulia, Maria, Francesca, Chiara, Elena, Paola, Rosa, Silvia",
      "Rossi, Bianchi, Colombo, Ferrari, Esposito, Romano, Ricci, Galli, Conti, Marino, Greco,"
          + " Fontana, Moretti, Lombardi"),
  PARIS(
      "demo-paris",
      2,
      "Europe/Paris",
      "Paris",
      "FR",
      "750",
      "Rue de Rivoli, Boulevard Voltaire, Rue de Vaugirard, Avenue d'Italie, Rue Oberkampf",
      "Jean, Pierre, Michel, Philippe, Noël, Nicolas, Olivier, Julien",
      "Marie, Nathalie, Isabelle, Hélène, Sophie, Camille, Claire, Julie",
      "Martin, Bernard, Dubois, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent,"
          + " Lefèvre, Fournier, Girard"),
  BOSTON(
      "demo-boston",
      3,
      "America/New_York",
      "Boston",
      "US",
      "021",
      "Beacon St, Tremont St, Commonwealth Ave, Boylston St, Dorchester Ave",
      "James, John, Robert, Michael, William, David, Joseph, Thomas",
      "Mary, Patricia, Linda, Elizabeth, Barbara, Susan, Karen, Sarah",
      "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Moore,"
          + " Jackson, Thompson, O'Brien");

  final String id;
  final String mrnSystem;
  final TimeZone zone;
  final String city;
  final String country;
  final String postalPrefix;
  final String[] streets;
  final String[] maleGiven;
  final String[] femaleGiven;
  final String[] family;

  DemoSite(
      String id,
      int siteNumber,
      String zoneId,
      String city,
      String country,
      String postalPrefix,
      String streets,
      String maleGiven,
      String femaleGiven,
      String family) {
    this.id = id;
    this.mrnSystem = "urn:oid:1.2.3.4." + siteNumber;
    this.zone = TimeZone.getTimeZone(zoneId);
    this.city = city;
    this.country = country;
    this.postalPrefix = postalPrefix;
    this.streets = streets.split(", ");
    this.maleGiven = maleGiven.split(", ");
    this.femaleGiven = femaleGiven.split(", ");
    this.family = family.split(", ");
  }

  /** Milano codes every diagnosis in SNOMED CT; Paris and Boston use ICD-10-CM. */
  boolean diagnosesInSnomed() {
    return this == MILANO;
  }

  /** Boston is the one site coding the shock itself in ICD-10-CM (R57.0). */
  boolean shockInSnomed() {
    return this != BOSTON;
  }
}
