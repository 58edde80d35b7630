from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

SCHEMA = "grants"


class GrantsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GRANTS_", extra="ignore", frozen=True)

    territories_url: str = Field(description="Base URL of the territories service")
