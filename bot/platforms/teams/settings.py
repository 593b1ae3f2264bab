"""Teams' settings: the Azure bot's app registration (Bot Framework spellings accepted), and,
for sovereign clouds and tests, where signing keys are published."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from bot.config import PlatformSettings


class TeamsSettings(PlatformSettings):
    microsoft_app_id: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_ID", "MicrosoftAppId")
    )
    microsoft_app_password: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_PASSWORD", "MicrosoftAppPassword")
    )
    microsoft_app_type: str = Field(
        "MultiTenant", validation_alias=AliasChoices("MICROSOFT_APP_TYPE", "MicrosoftAppType")
    )
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MICROSOFT_APP_TENANT_ID", "MicrosoftAppTenantId")
    )

    bot_openid_metadata_url: str = ""
    bot_token_issuer: str = "https://api.botframework.com"
