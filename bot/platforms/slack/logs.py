"""The logger the Bolt app is given, so that no request body reaches the log.

Bolt copies a given logger's filters onto every logger it makes for the app (its middleware,
listeners and OAuth flow), so these filters see each of Bolt's records before any handler."""

from __future__ import annotations

import logging

from bot.logs import OneLine

# Under slack_bolt, so that whatever sets the level of "slack_bolt" still sets it for the app.
BOLT_LOGGER = "slack_bolt.followthrough"
REFUSED = "Slack request refused: its signature does not verify (body not logged)"


class NoRefusedBody(logging.Filter):
    """Bolt's request verification logs a refused request whole, at INFO ("Invalid request
    signature detected (signature: …, timestamp: …, body: …)"): anyone can send one, of any
    size, with line breaks in it. Here the record says that a request was refused, and no more."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.endswith("RequestVerification"):
            record.msg, record.args = REFUSED, None
        return True


def bolt_logger() -> logging.Logger:
    """The Bolt app's logger: refused requests without their body, every record one capped
    line (bot.logs.OneLine)."""
    logger = logging.getLogger(BOLT_LOGGER)
    if not logger.filters:
        logger.addFilter(NoRefusedBody())
        logger.addFilter(OneLine())
    return logger
