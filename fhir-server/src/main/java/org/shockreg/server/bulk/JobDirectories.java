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
 * The export files on disk, {@code <export dir>/<job id>/attempt-<n>/}: one directory per job and
 * in it one per run (attempt), so a run that was taken over by another instance on shared storage
 * and is still winding down never writes into, or removes, the files of the run that replaced it.
 * Served by name from the completed attempt; removed with the job or when no job owns it.
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

  /** The directory of one run of the job, emptied of what an earlier run with that number left. */
  Path fresh(String jobId, int attempt) throws IOException {
    Path dir = attempt(jobId, attempt);
    deleteTree(dir, jobId);
    Files.createDirectories(dir);
    return dir;
  }

  private Path attempt(String jobId, int attempt) {
    return root.resolve(jobId).resolve("attempt-" + attempt);
  }

  /** Removes one run's files (a run that was cancelled, failed or interrupted). */
  void deleteAttempt(String jobId, int attempt) {
    deleteTree(attempt(jobId, attempt), jobId);
  }

  /** Removes what earlier runs of a completed job left beside its own files. */
  void deleteOtherAttempts(String jobId, int attempt) {
    Path keep = attempt(jobId, attempt);
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root.resolve(jobId))) {
      for (Path d : dirs) {
        if (!d.equals(keep)) {
          deleteTree(d, jobId);
        }
      }
    } catch (IOException e) {
      log.warn("event=bulk_export_delete_failed job={} reason=\"{}\"", jobId, e.getMessage());
    }
  }

  /** A file of a completed job, if it is one of its output or deleted files and exists. */
  Optional<Path> file(BulkExportJob job, String name) {
    if (!BulkExportJob.COMPLETED.equals(job.status())
        || Stream.concat(job.output().stream(), job.deleted().stream())
            .noneMatch(f -> f.file().equals(name))) {
      return Optional.empty();
    }
    Path file = attempt(job.jobId(), job.attempts()).resolve(name);
    if (!Files.isRegularFile(file)) {
      file = root.resolve(job.jobId()).resolve(name); // written before runs had directories
    }
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
    deleteTree(root.resolve(jobId), jobId);
  }

  private static void deleteTree(Path dir, String jobId) {
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
