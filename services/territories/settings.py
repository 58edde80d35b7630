from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from kit.settings import ServiceSettings

SCHEMA = "territories"


class TerritoriesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TERRITORIES_", extra="ignore", frozen=True)
