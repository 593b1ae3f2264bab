"""The service's log: whatever a record quotes, it is written as one line of bounded length,
so a request can neither flood the log nor forge a line of it; a JSON object a line by
default, text for a terminal with LOG_FORMAT=text, each carrying the context bound where it
was logged."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
import structlog
from click.testing import CliRunner

from bot.cli import main
from bot.logs import MAX_MESSAGE, JsonLines, LogFormat, OneLine, configure_logging, one_line

FORGED = "x\n2026-01-01 00:00:00,000 INFO followthrough: FAKE LOG LINE\r\x1b[31m\u2028end"
ESCAPED = r"x\n2026-01-01 00:00:00,000 INFO followthrough: FAKE LOG LINE\r\x1b[31m\u2028end"
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING anything: (?P<message>.*)")


@contextmanager
def bare_root() -> Iterator[list[logging.Handler]]:
    """The root logger without pytest's handlers (which it adds as each test starts running),
    as a command finds it; put back as it was before the test ends."""
    handlers, level = logging.root.handlers[:], logging.root.level
    logging.root.handlers.clear()
    try:
        yield logging.root.handlers
    finally:
        logging.root.handlers[:] = handlers
        logging.root.setLevel(level)


def logged(name: str, message: str, *args: object, log_format: LogFormat = "json") -> str:
    """What `followthrough` writes for one warning."""
    out = io.StringIO()
    with bare_root():
        configure_logging(verbose=False, log_format=log_format, stream=out)
        logging.getLogger(name).warning(message, *args)
    return out.getvalue()


def message_of(line: str, log_format: LogFormat) -> str:
    """The message a line carries, as its reader gets it back."""
    if log_format == "json":
        return str(json.loads(line)["event"])
    found = TEXT_LINE.fullmatch(line)
    assert found is not None, line
    return found["message"]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_line_breaks_and_control_characters_in_a_record_stay_on_its_line(
    log_format: LogFormat,
) -> None:
    (line,) = logged("anything", "refused %s", FORGED, log_format=log_format).splitlines()
    assert message_of(line, log_format) == f"refused {ESCAPED}"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_record_is_cut_at_the_cap_and_says_so(log_format: LogFormat) -> None:
    (line,) = logged("anything", "body: %s", "A" * 1_000_000, log_format=log_format).splitlines()
    message = message_of(line, log_format)
    assert len(message) <= MAX_MESSAGE
    assert len(line) < MAX_MESSAGE + 200
    assert message.startswith("body: AAAA")
    assert message.endswith(f"[{1_000_006 - (MAX_MESSAGE - 40)} more characters]")


def test_one_line_changes_nothing_the_second_time() -> None:
    for text in (FORGED, "é" * 10_000, "plain"):
        once = one_line(text)
        assert one_line(once) == once


def test_a_json_line_says_when_how_bad_where_and_what_with_the_bound_context() -> None:
    with structlog.contextvars.bound_contextvars(request_id="abc123"):
        (line,) = logged("aiohttp.access", "GET /healthz 200").splitlines()
    entry: dict[str, Any] = json.loads(line)
    assert list(entry) == ["timestamp", "level", "logger", "event", "request_id"]
    assert entry["level"] == "warning"
    assert entry["logger"] == "aiohttp.access"
    assert entry["event"] == "GET /healthz 200"
    assert entry["request_id"] == "abc123"
    assert datetime.fromisoformat(entry["timestamp"]).utcoffset() is not None
    assert entry["timestamp"].endswith("+00:00")


def test_bound_context_cannot_overwrite_a_line_s_own_keys_and_any_value_is_written() -> None:
    when = datetime(2026, 1, 5, 9, 0)
    with structlog.contextvars.bound_contextvars(event="forged", level="debug", at=when):
        (line,) = logged("anything", "real").splitlines()
    entry: dict[str, Any] = json.loads(line)
    assert (entry["event"], entry["level"]) == ("real", "warning")
    assert entry["at"] == repr(when)


def test_a_traceback_stays_on_the_line_of_its_record_in_json() -> None:
    out = io.StringIO()
    with bare_root():
        configure_logging(verbose=False, stream=out)
        try:
            raise ValueError("bad\nvalue")
        except ValueError:
            logging.getLogger("anything").exception("it broke")
    (line,) = out.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["event"] == "it broke"
    assert entry["level"] == "error"
    assert "Traceback" in entry["exception"]
    assert entry["exception"].rstrip().endswith("ValueError: bad\nvalue")


def test_exception_outside_an_except_block_logs_no_empty_traceback() -> None:
    out = io.StringIO()
    with bare_root():
        configure_logging(verbose=False, stream=out)
        logging.getLogger("anything").exception("no exception here")
    (line,) = out.getvalue().splitlines()
    assert "exception" not in json.loads(line)


def test_text_is_the_terminal_format_with_the_bound_context_after_the_message() -> None:
    (plain,) = logged("anything", "started", log_format="text").splitlines()
    with structlog.contextvars.bound_contextvars(delivery_key="now:1:2"):
        (bound,) = logged("anything", "sending", log_format="text").splitlines()
    assert message_of(plain, "text") == "started"
    assert message_of(bound, "text") == "sending delivery_key=now:1:2"


def test_the_command_logs_through_the_filter() -> None:
    with bare_root() as handlers:
        assert CliRunner().invoke(main, ["catalog", "show"]).exit_code == 0
        (handler,) = handlers
        assert [type(f) for f in handler.filters] == [OneLine]
        assert isinstance(handler.formatter, JsonLines)


def test_log_format_text_gives_the_command_a_text_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", " Text ")
    with bare_root() as handlers:
        assert CliRunner().invoke(main, ["catalog", "show"]).exit_code == 0
        (handler,) = handlers
        assert handler.formatter is not None
        assert not isinstance(handler.formatter, JsonLines)
        assert handler.formatter._fmt == "%(asctime)s %(levelname)s %(name)s: %(message)s"


def test_an_unknown_log_format_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with bare_root() as handlers:
        result = CliRunner().invoke(main, ["catalog", "show"])
        assert handlers == []
    assert result.exit_code == 1
    assert "LOG_FORMAT: must be json or text, not 'yaml'" in result.output
