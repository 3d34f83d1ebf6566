package org.shockreg.server.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Requests per minute per principal, as token buckets (no new dependency for ~60 lines): each
 * principal's bucket holds up to {@code perMinute} requests and refills continuously at {@code
 * perMinute / 60} per second, so a burst of a minute's worth is allowed and the long-run rate is
 * capped. In memory, per instance: with N instances a caller gets up to N times the rate.
 */
public final class RequestRateLimiter {

  /** Buckets kept at most; beyond, full (idle) ones are forgotten. */
  private static final int MAX_BUCKETS = 10_000;

  private final int perMinute;
  private final double perNano;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  /** {@code perMinute} 0 or less: no limit. */
  public RequestRateLimiter(int perMinute, LongSupplier nanos) {
    this.perMinute = perMinute;
    this.perNano = perMinute / 60e9;
    this.nanos = nanos;
  }

  public boolean enabled() {
    return perMinute > 0;
  }

  /** 0 when the request may go ahead (and is counted), else the seconds until it may. */
  public long acquire(String principal) {
    if (!enabled()) {
      return 0;
    }
    long now = nanos.getAsLong();
    if (buckets.size() > MAX_BUCKETS) {
      buckets.values().removeIf(b -> refilled(b, now) >= perMinute);
    }
    Bucket b = buckets.computeIfAbsent(principal, k -> new Bucket(perMinute, now));
    synchronized (b) {
      b.tokens = refilled(b, now);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano / 1e9));
    }
  }

  private double refilled(Bucket b, long now) {
    return Math.min(perMinute, b.tokens + (now - b.at) * perNano);
  }
}
