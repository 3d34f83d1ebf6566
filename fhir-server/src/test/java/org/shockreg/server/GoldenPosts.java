package org.shockreg.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The golden corpus's request bodies, for tests outside this package (the fuzzers' seeds). */
public final class GoldenPosts {

  /** One body of a case as it is posted. */
  public record Body(String caseName, String contentType, byte[] bytes) {}

  private GoldenPosts() {}

  public static List<Body> all() {
    try {
      Path dir = Path.of(GoldenPosts.class.getResource("/golden/cases").toURI());
      List<Body> bodies = new ArrayList<>();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          GoldenCase c = GoldenCase.load(f);
          for (GoldenCase.Post p : c.posts) {
            bodies.add(new Body(c.name, p.contentType(), p.body()));
          }
        }
      }
      return bodies;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
