"""What `followthrough doctor` says about Slack: the settings each mode needs, and whether
the bot token works and has the scopes the app asks for."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.platforms.platform import Check
from bot.platforms.slack.channel import api_error
from bot.platforms.slack.settings import SlackSettings
from bot.platforms.slack.setup import BOT_SCOPES

# Slack's answers to a token that is wrong, revoked or from another app.
REFUSED_TOKEN = {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"}


def slack_checks(slack: SlackSettings) -> list[Check]:
    if not slack.configured:
        return [Check(True, "Slack", "not configured")]
    checks = []
    if not slack.slack_signing_secret and not slack.slack_app_token:
        checks.append(Check(False, "Slack", "SLACK_SIGNING_SECRET is needed over HTTP"))
    if slack.slack_client_id and not slack.slack_client_secret:
        checks.append(Check(False, "Slack OAuth", "SLACK_CLIENT_SECRET is missing"))
    if slack.slack_bot_token:
        checks.append(_token(slack))
    return checks or [Check(True, "Slack", "configured")]


def _token(slack: SlackSettings) -> Check:
    client = WebClient(token=slack.slack_bot_token, base_url=slack.slack_api_url, timeout=10)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        reason = api_error(error)
        return Check(
            False,
            "Slack token",
            f"Slack refused SLACK_BOT_TOKEN ({reason}): copy the Bot User OAuth Token "
            "(xoxb-…) from the app's OAuth & Permissions page"
            if reason in REFUSED_TOKEN
            else f"Slack answered {reason}",
        )
    except OSError as error:  # no route, refused, timed out, TLS: the request never landed
        return Check(
            False,
            "Slack token",
            f"cannot reach Slack at {slack.slack_api_url}: {error}. Check SLACK_API_URL and "
            "this machine's outbound network (proxy, firewall).",
        )
    granted = set((answer.headers.get("x-oauth-scopes") or "").replace(" ", "").split(","))
    missing = sorted(set(BOT_SCOPES) - granted) if granted != {""} else []
    return Check(
        not missing,
        "Slack token",
        f"workspace {answer.get('team')}"
        + (f"; missing scopes: {', '.join(missing)}" if missing else ""),
    )
