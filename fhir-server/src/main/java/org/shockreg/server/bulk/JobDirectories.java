package org.shockreg.server.bulk;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.shockreg.registry.bulk.BulkExportJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export files on disk, {@code <data-dir>/bulk-export/<job id>/}: one directory per job,
 * created empty for a run, served by name, removed with the job or when no job owns it.
 */
final class JobDirectories {

  private static final Logger log = LoggerFactory.getLogger(JobDirectories.class);
  static final Pattern JOB_ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final Path root;

  JobDirectories(Path root) {
    this.root = root;
  }

  void createRoot() {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the export directory " + root, e);
    }
  }

  /** The job's directory, emptied of what an earlier attempt left. */
  Path fresh(String jobId) throws IOException {
    delete(jobId);
    Path dir = root.resolve(jobId);
    Files.createDirectories(dir);
    return dir;
  }

  /** A file of a completed job, if it is one of its output or deleted files and exists. */
  Optional<Path> file(BulkExportJob job, String name) {
    if (!BulkExportJob.COMPLETED.equals(job.status())
        || Stream.concat(job.output().stream(), job.deleted().stream())
            .noneMatch(f -> f.file().equals(name))) {
      return Optional.empty();
    }
    Path file = root.resolve(job.jobId()).resolve(name);
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** Removes the job directories {@code owned} does not claim; returns how many. */
  int deleteOrphans(Predicate<String> owned) {
    int orphans = 0;
    if (Files.isDirectory(root)) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
        for (Path d : dirs) {
          String name = d.getFileName().toString();
          if (!owned.test(name) && JOB_ID.matcher(name).matches()) {
            delete(name);
            orphans++;
          }
        }
      } catch (IOException e) {
        log.warn("event=bulk_export_cleanup_failed reason=\"{}\"", e.getMessage());
      }
    }
    return orphans;
  }

  void delete(String jobId) {
    Path dir = root.resolve(jobId);
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("event=bulk_export_delete_failed job={} reason=\"{}\"", jobId, e.getMessage());
    }
  }
}
