"""Circuit breaker and token bucket with an injected clock: no sleeps."""

from __future__ import annotations

import pytest

from gateway.dispatch.breaker import BreakerSettings, BreakerState, CircuitBreaker
from gateway.dispatch.ratelimit import RateSettings, TokenBucket
from tests.dispatch_controls.helpers import FakeClock


def test_breaker_opens_after_n_consecutive_failures_and_a_success_resets_the_count() -> None:
    clock = FakeClock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=3, cooldown_seconds=30), clock)
    b.record_failure()
    b.record_failure()
    b.record_success()  # not consecutive any more
    assert not b.record_failure() and not b.record_failure()
    assert b.state is BreakerState.CLOSED and b.wait_seconds() == 0
    assert b.record_failure() is True  # the third in a row opens it
    assert b.state is BreakerState.OPEN
    assert b.wait_seconds() == pytest.approx(30)
    clock.advance(10)
    assert b.wait_seconds() == pytest.approx(20)


def test_half_open_lets_one_probe_through_and_its_outcome_decides() -> None:
    clock = FakeClock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=1, cooldown_seconds=30), clock)
    b.record_failure()
    clock.advance(30)
    assert b.wait_seconds() == 0 and b.state is BreakerState.HALF_OPEN  # the probe
    assert b.wait_seconds() > 0  # nobody else while the probe is out
    assert b.record_failure() is True and b.state is BreakerState.OPEN  # probe failed: open again
    assert b.wait_seconds() == pytest.approx(30)
    clock.advance(30)
    assert b.wait_seconds() == 0
    assert b.record_success() is True and b.state is BreakerState.CLOSED
    assert b.wait_seconds() == 0 and b.snapshot().consecutive_failures == 0


def test_a_probe_that_never_reports_frees_its_place_after_a_cooldown() -> None:
    clock = FakeClock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=1, cooldown_seconds=5), clock)
    b.record_failure()
    clock.advance(5)
    assert b.wait_seconds() == 0  # probe taken, its worker dies
    clock.advance(4)
    assert b.wait_seconds() > 0
    clock.advance(1)
    assert b.wait_seconds() == 0  # a second probe


def test_released_probe_is_available_again_at_once() -> None:
    clock = FakeClock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=1, cooldown_seconds=5), clock)
    b.record_failure()
    clock.advance(5)
    assert b.wait_seconds() == 0
    b.release_probe()
    assert b.wait_seconds() == 0


def test_bucket_in_submissions_allows_the_burst_then_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateSettings(rate=2, burst=3), clock)
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    wait = bucket.take()
    assert wait == pytest.approx(0.5)
    clock.advance(0.5)
    assert bucket.take() == 0 and bucket.take() > 0


def test_bucket_in_lines_charges_each_line_and_caps_a_big_submission_at_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateSettings(rate=1000, burst=2000, unit="lines"), clock)
    assert bucket.take(1500) == 0
    assert bucket.take(1000) == pytest.approx(0.5)  # 500 left, 1000 needed at 1000/s
    clock.advance(0.5)
    assert bucket.take(1000) == 0
    clock.advance(10)
    assert bucket.take(50_000) == 0  # larger than the bucket: waits for a full one, never forever


def test_rate_zero_is_no_limit() -> None:
    bucket = TokenBucket(RateSettings(rate=0), FakeClock())
    assert all(bucket.take(10_000) == 0 for _ in range(100))
