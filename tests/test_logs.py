"""The service's log: whatever a record quotes, it is written as one line of bounded length,
so a request can neither flood the log nor forge a line of it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from click.testing import CliRunner

from bot.cli import main
from bot.logs import MAX_MESSAGE, OneLine, configure_logging, one_line

FORGED = "x\n2026-01-01 00:00:00,000 INFO followthrough: FAKE LOG LINE\r\x1b[31m\u2028end"


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


def logged(name: str, message: str, *args: object) -> str:
    """What `followthrough` writes for one warning."""
    out = io.StringIO()
    with bare_root():
        configure_logging(verbose=False, stream=out)
        logging.getLogger(name).warning(message, *args)
    return out.getvalue()


def test_line_breaks_and_control_characters_in_a_record_stay_on_its_line() -> None:
    (line,) = logged("anything", "refused %s", FORGED).splitlines()
    assert line.endswith(
        r"anything: refused x\n2026-01-01 00:00:00,000 INFO followthrough: FAKE LOG LINE\r"
        r"\x1b[31m\u2028end"
    )


def test_a_record_is_cut_at_the_cap_and_says_so() -> None:
    (line,) = logged("anything", "body: %s", "A" * 1_000_000).splitlines()
    message = line.split("anything: ", 1)[1]
    assert len(message) <= MAX_MESSAGE
    assert message.startswith("body: AAAA")
    assert message.endswith(f"[{1_000_006 - (MAX_MESSAGE - 40)} more characters]")


def test_one_line_changes_nothing_the_second_time() -> None:
    for text in (FORGED, "é" * 10_000, "plain"):
        once = one_line(text)
        assert one_line(once) == once


def test_the_command_logs_through_the_filter() -> None:
    with bare_root() as handlers:
        assert CliRunner().invoke(main, ["catalog", "show"]).exit_code == 0
        (handler,) = handlers
        assert [type(f) for f in handler.filters] == [OneLine]
