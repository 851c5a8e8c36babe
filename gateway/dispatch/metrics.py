"""Dispatch gauges on the gateway's Prometheus exporter (:mod:`gateway.server.metrics`).

    silink_dispatch_overdue_submissions{bank}   submissions past their SLA deadline with lines open
    silink_dispatch_overdue_lines{bank}         their open lines
    silink_dispatch_overdue_oldest_seconds{bank} how far past its deadline the oldest one is

The values are the database's (see :mod:`gateway.dispatch.supervision`), read when Prometheus scrapes
and kept for ``ttl_seconds`` so frequent scrapes do not become frequent queries. Every dispatcher process
reports the same database-wide figures: aggregate with ``max``, not ``sum``. Registered once per process
by :func:`watch` (the dispatcher workers call it on start); a later call only points it at another
database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import structlog
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.dispatch.supervision import OverdueGroup, group_overdue, overdue_submissions
from gateway.storage import Database

log = structlog.get_logger("silink.dispatch")


class OverdueCollector(Collector):
    def __init__(
        self, db: Database, *, ttl_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, list[OverdueGroup]] | None = None

    def groups(self) -> list[OverdueGroup]:
        with self._lock:
            now = self._clock()
            if self._cached is None or now - self._cached[0] >= self.ttl:
                with self.db.read() as conn:
                    self._cached = (now, group_overdue(overdue_submissions(conn), "bank"))
            return self._cached[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        subs = GaugeMetricFamily(
            "silink_dispatch_overdue_submissions",
            "Submissions past their SLA deadline with lines not final (超期督办)",
            labels=["bank"],
        )
        lines = GaugeMetricFamily(
            "silink_dispatch_overdue_lines", "Open lines of overdue submissions", labels=["bank"]
        )
        oldest = GaugeMetricFamily(
            "silink_dispatch_overdue_oldest_seconds",
            "Seconds the most overdue submission is past its SLA deadline",
            labels=["bank"],
        )
        try:
            groups = self.groups()
        except Exception as exc:  # a scrape must not fail because the database is briefly unavailable
            log.warning("dispatch.metrics_failed", error_type=type(exc).__name__)
            groups = []
        for g in groups:
            subs.add_metric([g.key], g.submissions)
            lines.add_metric([g.key], g.open_lines)
            oldest.add_metric([g.key], g.oldest_overdue_seconds)
        yield subs
        yield lines
        yield oldest

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Describing without collecting keeps registration from querying the database.
        yield GaugeMetricFamily("silink_dispatch_overdue_submissions", "", labels=["bank"])
        yield GaugeMetricFamily("silink_dispatch_overdue_lines", "", labels=["bank"])
        yield GaugeMetricFamily("silink_dispatch_overdue_oldest_seconds", "", labels=["bank"])


_collector: OverdueCollector | None = None
_register_lock = threading.Lock()


def watch(db: Database, registry=REGISTRY) -> OverdueCollector:
    """Report ``db``'s overdue submissions on ``registry`` (once per process and registry)."""
    global _collector
    with _register_lock:
        if _collector is None or registry is not REGISTRY:
            collector = OverdueCollector(db)
            registry.register(collector)
            if registry is REGISTRY:
                _collector = collector
            return collector
        _collector.db = db
        _collector._cached = None
        return _collector
