"""structlog configuration: JSON lines for machines, a console renderer for people.

The redaction processor sits just before the renderer so no processor added later can reintroduce a
clear value. Context (request id, principal, method) is carried in contextvars by the interceptor.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

from gateway.redaction import redact_processor


def configure_logging(*, json: bool = True, level: str = "INFO", stream: TextIO | None = None) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str = "silink") -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
