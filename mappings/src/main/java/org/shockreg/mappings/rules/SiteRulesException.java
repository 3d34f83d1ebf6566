package org.shockreg.mappings.rules;

import java.util.List;

/** Site mapping files that cannot be used; each error names its file and entry. */
public class SiteRulesException extends Exception {

  private final List<String> errors;

  public SiteRulesException(List<String> errors) {
    super(
        errors.size() == 1
            ? errors.get(0)
            : errors.size() + " errors in site mapping files: " + String.join("; ", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
