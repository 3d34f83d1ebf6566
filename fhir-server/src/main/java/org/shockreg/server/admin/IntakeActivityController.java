package org.shockreg.server.admin;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/intake/activity} (admin): resources received, curated, unchanged, rejected and
 * unmapped per minute over the last hour on this instance (the console's live intake chart).
 */
@RestController
public class IntakeActivityController implements DisposableBean {

  private final IntakeActivity activity;
  private final ScheduledExecutorService sampler;

  public IntakeActivityController(MeterRegistry meters) {
    this.activity = new IntakeActivity(meters, Clock.systemUTC());
    this.sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "intake-activity");
              t.setDaemon(true);
              return t;
            });
    // a snapshot is kept only at a minute change; sampling 3 times a minute catches each one
    sampler.scheduleAtFixedRate(activity::sample, 0, 20, TimeUnit.SECONDS);
  }

  @GetMapping("/admin/intake/activity")
  public List<Map<String, Object>> activity() {
    return activity.minutes();
  }

  @Override
  public void destroy() {
    sampler.shutdownNow();
  }
}
