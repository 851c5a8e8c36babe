"""Prometheus metrics, served on their own port so scraping never competes with the API."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

RPC_TOTAL = Counter("silink_rpc_total", "RPCs handled", ["method", "code"])
RPC_SECONDS = Histogram(
    "silink_rpc_seconds",
    "RPC latency",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def start_metrics(listen: str) -> int | None:
    """Start the HTTP exporter on host:port; returns the bound port, None when disabled."""
    if not listen:
        return None
    host, _, port = listen.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1")
    return server.server_port
