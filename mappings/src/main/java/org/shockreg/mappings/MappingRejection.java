package org.shockreg.mappings;

/**
 * A source resource the rules recognise but cannot curate faithfully (bad unit, unparseable value).
 */
class MappingRejection extends Exception {

  private final String reasonCode;

  MappingRejection(String reasonCode, String message) {
    super(message, null, false, false);
    this.reasonCode = reasonCode;
  }

  String reasonCode() {
    return reasonCode;
  }
}
