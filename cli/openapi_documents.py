"""The committed OpenAPI contracts: generated from the code, compared by tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from gateway.webhooks.sealing import new_key
from kit.auth.tokens import generate_signing_key_pem, public_jwks

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"


def offline_apps() -> dict[str, FastAPI]:
    """Each app built with placeholder settings (no connection is opened) to read its OpenAPI."""
    from gateway.app import create_app as create_gateway
    from gateway.settings import GatewaySettings
    from services.grants.app import create_app as create_grants
    from services.grants.settings import GrantsSettings
    from services.participation.app import create_app as create_participation
    from services.participation.settings import ParticipationSettings
    from services.territories.app import create_app as create_territories
    from services.territories.settings import TerritoriesSettings

    key = generate_signing_key_pem()
    common: dict[str, Any] = {
        "environment": "test",
        "database_url": "postgresql+asyncpg://offline:offline@127.0.0.1:1/offline",
        "auth_issuer": "offline",
        "auth_jwks": json.dumps(public_jwks([key])),
    }
    upstream = "http://127.0.0.1:1"
    return {
        "territories": create_territories(TerritoriesSettings(**common)),
        "grants": create_grants(GrantsSettings(**common, territories_url=upstream)),
        "participation": create_participation(ParticipationSettings(**common, territories_url=upstream)),
        "gateway": create_gateway(
            GatewaySettings(
                environment="test",
                database_url=common["database_url"],
                signing_key=key,
                webhook_secrets_key=new_key(),
                issuer="offline",
                territories_url=upstream,
                grants_url=upstream,
                participation_url=upstream,
            )
        ).api,
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def generated_documents() -> dict[str, str]:
    return {name: render(app.openapi()) for name, app in offline_apps().items()}


def write_documents() -> list[Path]:
    OPENAPI_DIR.mkdir(exist_ok=True)
    written = []
    for name, text in generated_documents().items():
        path = OPENAPI_DIR / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
