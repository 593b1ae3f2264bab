"""What reaches the log: one line per record, of bounded length.

Anyone who can reach the web server decides some of what is logged (a library may quote a
request, a refusal quotes what was refused). Unbounded, one client could fill the disk through
the log, and a value holding a line break could write a line that reads like the service's own.
So every record is escaped onto one line and cut at MAX_MESSAGE characters: `configure_logging`
puts the filter on the handler that writes the log, and an edge may also put it on a library's
logger, so that the record is safe before any handler sees it."""

from __future__ import annotations

import logging
import re
from typing import IO

MAX_MESSAGE = 4096  # characters; a traceback comes on top (it is formatted after the filter)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
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


def configure_logging(*, verbose: bool, stream: IO[str] | None = None) -> None:
    """The service's log: to standard error, one capped line per record."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(OneLine())
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
