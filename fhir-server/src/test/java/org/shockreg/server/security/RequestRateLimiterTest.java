package org.shockreg.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestRateLimiterTest {

  final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aBurstOfTheLimit_thenOneEveryIntervalPerPrincipal() {
    RequestRateLimiter limiter = new RequestRateLimiter(60, now::get);
    for (int i = 0; i < 60; i++) {
      assertThat(limiter.acquire("token:a")).isZero();
    }
    assertThat(limiter.acquire("token:a")).isEqualTo(1); // one per second refills
    assertThat(limiter.acquire("token:b")).isZero(); // another principal, another bucket
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1_000));
    assertThat(limiter.acquire("token:a")).isZero();
    assertThat(limiter.acquire("token:a")).isEqualTo(1);
    now.addAndGet(TimeUnit.MINUTES.toNanos(10)); // never more than a minute's worth saved up
    for (int i = 0; i < 60; i++) {
      assertThat(limiter.acquire("token:a")).isZero();
    }
    assertThat(limiter.acquire("token:a")).isPositive();
  }

  @Test
  void slowLimits_tellHowLongToWait_andZeroIsOff() {
    RequestRateLimiter limiter = new RequestRateLimiter(2, now::get);
    assertThat(limiter.acquire("x")).isZero();
    assertThat(limiter.acquire("x")).isZero();
    assertThat(limiter.acquire("x")).isEqualTo(30);
    RequestRateLimiter off = new RequestRateLimiter(0, now::get);
    for (int i = 0; i < 10_000; i++) {
      assertThat(off.acquire("x")).isZero();
    }
  }
}
