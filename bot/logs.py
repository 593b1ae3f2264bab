"""What reaches the log: one line per record, of bounded length, as a JSON object (or, for a
terminal, as text) carrying the context of the work it belongs to.

Anyone who can reach the web server decides some of what is logged (a library may quote a
request, a refusal quotes what was refused). Unbounded, one client could fill the disk through
the log, and a value holding a line break could write a line that reads like the service's own.
So every record is escaped onto one line and cut at MAX_MESSAGE characters: `configure_logging`
puts the filter on the handler that writes the log, and an edge may also put it on a library's
logger, so that the record is safe before any handler sees it. The JSON encoder escapes line
breaks too, but not length: the cap holds in both formats.

The service and its libraries (aiohttp, Bolt, APScheduler, Alembic, botbuilder) log through the
standard library's loggers; `JsonLines` turns each record into JSON with the values bound with
`structlog.contextvars` where it was logged (a request's `request_id`, a send's `delivery_key`),
which worker threads (`asyncio.to_thread`) and tasks started meanwhile inherit."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import IO, Any, Literal

import structlog

MAX_MESSAGE = 4096  # characters; a traceback comes on top (it is formatted after the filter)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LogFormat = Literal["json", "text"]
# Line breaks (including U+2028/2029, which some viewers honour), and every other control
# character, terminal escapes among them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` with control characters written as escapes (\\n, \\x1b, \\u2028), and cut to
    `limit` characters, the cut said at the end."""
    text = _CONTROL.sub(_escaped, text)
    if len(text) <= limit:
        return text
    keep = limit - 40  # room for the note below, however many characters were cut
    return f"{text[:keep]} … [{len(text) - keep} more characters]"


class OneLine(logging.Filter):
    """Rewrites a record's message (arguments merged in) with one_line; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken call: the handler reports it, as it always has
            return True
        record.msg, record.args = one_line(message), None
        return True


class JsonLines(logging.Formatter):
    """One JSON object a record: when (ISO 8601, UTC, the moment the record was made), the
    level, the logger and the message first, then the context bound with
    `structlog.contextvars` where it was logged, then any traceback. Written here rather than
    with structlog's ProcessorFormatter, which copies every record and runs a chain of
    processors over it: the access log's line cost a fifth of a request's CPU through it."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in structlog.contextvars.get_contextvars().items():
            line.setdefault(key, value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=repr)


class _TextWithContext(logging.Formatter):
    """FORMAT, followed by the bound context (`request_id=…`) when there is some."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        context = structlog.contextvars.get_contextvars()
        line = super().formatMessage(record)
        return " ".join([line, *(f"{key}={value}" for key, value in context.items())])


def formatter(log_format: LogFormat) -> logging.Formatter:
    """How a record is written: `json`, one object a line; `text`, FORMAT for a terminal."""
    return _TextWithContext(FORMAT) if log_format == "text" else JsonLines()


def configure_logging(
    *, verbose: bool, log_format: LogFormat = "json", stream: IO[str] | None = None
) -> None:
    """The service's log: to standard error, one capped line per record."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(OneLine())
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
