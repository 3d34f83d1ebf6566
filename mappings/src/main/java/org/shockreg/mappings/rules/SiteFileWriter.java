package org.shockreg.mappings.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds entries to a site mapping file as text, so the file keeps its comments and layout (a YAML
 * round trip would drop them): the entry goes at the end of its section's block list, or a new
 * section is appended. Then the directory is reloaded; if the new file does not load, the old text
 * is put back and the rules in force stay. Pure file work plus {@link SiteMappings#reload}.
 */
public final class SiteFileWriter {

  private final SiteMappings sites;

  public SiteFileWriter(SiteMappings sites) {
    this.sites = sites;
  }

  /** Writes the entry into {@code <sites-dir>/<site>.yaml} and reloads; throws on invalid rules. */
  public RuleSet add(
      String site, SiteFileEntry entry, java.util.function.Consumer<RuleSet> activate)
      throws SiteRulesException, IOException {
    synchronized (sites) {
      Path file = sites.directory().resolve(site + ".yaml");
      Files.createDirectories(sites.directory());
      String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
      String after = withEntry(before == null ? "site: " + site + "\n" : before, entry);
      write(file, after);
      try {
        return sites.reload(activate);
      } catch (SiteRulesException | RuntimeException e) {
        if (before == null) {
          Files.deleteIfExists(file);
        } else {
          write(file, before);
        }
        throw e;
      }
    }
  }

  /** The file text with the entry appended to its section (created at the end when missing). */
  static String withEntry(String text, SiteFileEntry entry) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    String item = "  - " + entry.yaml();
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches(entry.section() + ":\\s*(\\[\\s*\\])?\\s*(#.*)?")) {
        header = i;
        break;
      }
    }
    if (header < 0) {
      lines.add("");
      lines.add(entry.section() + ":");
      lines.add(item);
    } else {
      if (lines.get(header).contains("[")) {
        lines.set(header, entry.section() + ":");
      }
      // the block ends before the next top-level line that is not a comment or blank
      int end = header + 1;
      int lastItem = header;
      while (end < lines.size()) {
        String l = lines.get(end);
        boolean topLevel =
            !l.isEmpty() && !Character.isWhitespace(l.charAt(0)) && !l.startsWith("#");
        if (topLevel) {
          break;
        }
        if (!l.isBlank() && !l.stripLeading().startsWith("#")) {
          lastItem = end;
        }
        end++;
      }
      lines.add(lastItem + 1, item);
    }
    return String.join("\n", lines) + "\n";
  }

  /** Atomically: a reader (another instance's reload) never sees half a file. */
  private static void write(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
