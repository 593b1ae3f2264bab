"""The long-lived parts of a running Follow-Through: settings, database, catalog, channels."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.core.catalog import Catalog, load_catalog
from bot.core.clock import Clock, SystemClock
from bot.platforms.local.channel import LocalChannel
from bot.platforms.slack.setup import SlackSetup, slack_setup
from bot.platforms.teams.channel import TeamsChannel
from bot.platforms.teams.setup import teams_adapter, teams_wanted
from bot.scheduling.delivery import Channel
from bot.scheduling.runner import Scheduling
from bot.store.db import create_db_engine, session_factory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    clock: Clock = field(default_factory=SystemClock)
    channels: dict[str, Channel] = field(default_factory=dict)
    slack: SlackSetup | None = None
    teams: CloudAdapter | None = None

    def scheduling(self) -> Scheduling:
        return Scheduling(self.sessions, self.catalog, self.channels, self.clock)


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Everything a running Follow-Through holds; `clock` is the one it reads the time from
    (the wall clock unless a test or `--at` sets another)."""
    engine = create_db_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        catalog=load_catalog(settings.catalog_path),
        clock=clock or SystemClock(),
    )
    services.channels["local"] = LocalChannel(sessions, services.clock)
    services.slack = slack_setup(settings)
    if services.slack is not None:
        services.channels["slack"] = services.slack.channel(sessions)
    if teams_wanted(settings):
        services.teams = teams_adapter(settings)
        services.channels["teams"] = TeamsChannel(
            services.teams, sessions, settings.microsoft_app_id, services.clock
        )
    return services


SERVICES_KEY = web.AppKey("services", Services)
