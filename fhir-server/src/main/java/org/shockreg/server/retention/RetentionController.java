package org.shockreg.server.retention;

import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /admin/retention/run}: the retention purges now (admin only, like all of /admin). */
@RestController
public class RetentionController {

  private final RetentionJobs jobs;

  public RetentionController(RetentionJobs jobs) {
    this.jobs = jobs;
  }

  /**
   * What was deleted: {@code audit-events}, {@code raw-versions} (absent when that retention is
   * off).
   */
  @PostMapping("/admin/retention/run")
  public Map<String, Long> run() {
    return jobs.runNow();
  }
}
