package org.shockreg.mappings.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.shockreg.mappings.rules.RuleSetLoader;

/**
 * {@code docs/data-dictionary.md} is generated from the rule files: this test fails while the
 * committed file is out of date, and rewrites it when run with {@code -Ddocs.regenerate=true}.
 */
class DataDictionaryDocTest {

  static String generated;

  @BeforeAll
  static void render() {
    generated = new DataDictionaryMarkdown(new RuleSetLoader().loadBuiltIn()).render();
  }

  /** {@code ../docs/data-dictionary.md} from the module; also works from the repository root. */
  static Path docFile() {
    Path cwd = Path.of("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mappings/pom.xml"))
          && Files.isDirectory(dir.resolve("docs"))) {
        return dir.resolve("docs/data-dictionary.md");
      }
    }
    return cwd.resolve("../docs/data-dictionary.md").normalize();
  }

  @Test
  void dataDictionaryDoc_isUpToDateWithTheRuleFiles() throws IOException {
    Path doc = docFile();
    if (Boolean.getBoolean("docs.regenerate")) {
      Files.writeString(doc, generated, StandardCharsets.UTF_8);
    }
    String committed =
        Files.exists(doc)
            ? Files.readString(doc, StandardCharsets.UTF_8).replace("\r\n", "\n")
            : "";
    if (!committed.equals(generated)) {
      fail(
          doc
              + " is out of date with the rule files (or the generator); "
              + firstDifference(committed, generated)
              + "Do not edit it by hand: regenerate it with\n  "
              + DataDictionaryMarkdown.REGENERATE);
    }
  }

  static String firstDifference(String committed, String generated) {
    String[] a = committed.split("\n", -1);
    String[] b = generated.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "<end of file>";
      String y = i < b.length ? b[i] : "<end of file>";
      if (!x.equals(y)) {
        return "first difference at line "
            + (i + 1)
            + ":\n  file:      "
            + x
            + "\n  generated: "
            + y
            + "\n";
      }
    }
    return "they differ in line endings or whitespace\n";
  }

  @Test
  void generatedDoc_coversEveryRuleAndSaysItIsGenerated() {
    var rules = new RuleSetLoader().loadBuiltIn();
    assertThat(generated).contains("do not edit by hand").contains("-Ddocs.regenerate=true");
    rules.variables().keySet().forEach(v -> assertThat(generated).contains("| `" + v + "` |"));
    rules.devices().keySet().forEach(d -> assertThat(generated).contains("| `" + d + "` |"));
    rules
        .diagnosisCategories()
        .forEach(c -> assertThat(generated).contains("| `" + c.category() + "` |"));
    assertThat(generated)
        .contains("14118-4` [mg/dL; twin `2524-7`]")
        .contains("`I21.*` (`I21` and subcodes)")
        .contains("## 7. Derived facts (episodes, etiology, SCAI, outcomes)")
        .contains("docs/derivations.md")
        .contains("## 8. Decisions");
  }

  @Test
  void rendering_isDeterministic() {
    assertThat(new DataDictionaryMarkdown(new RuleSetLoader().loadBuiltIn()).render())
        .isEqualTo(generated);
  }
}
