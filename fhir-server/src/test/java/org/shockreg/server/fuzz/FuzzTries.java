package org.shockreg.server.fuzz;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Scales every fuzz property's tries by {@code -Dfuzz.factor=N} (default 1): CI runs the modest
 * counts written on the properties, a developer hunting crashers runs e.g. {@code -Dfuzz.factor=20}.
 */
public class FuzzTries implements AroundPropertyHook {

  static int factor() {
    return Math.max(1, Integer.getInteger("fuzz.factor", 1));
  }

  /** Registered on a class, a hook reaches its properties only when it says so. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    int tries = context.attributes().tries().orElse(100) * factor();
    context.attributes().setTries(tries);
    long started = System.nanoTime();
    PropertyExecutionResult result = property.execute();
    System.out.printf(
        "event=fuzz_property property=%s tries=%d status=%s elapsedMs=%d%n",
        context.label(), tries, result.status(), (System.nanoTime() - started) / 1_000_000);
    return result;
  }
}
