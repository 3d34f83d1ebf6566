package org.shockreg.mappings.units;

/** A unit that is not UCUM, or not commensurable with the registry unit. Never guessed around. */
public class UnitConversionException extends Exception {
  public UnitConversionException(String message) {
    super(message);
  }
}
