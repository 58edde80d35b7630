"""Partner clients (`./dev clients create|list|rotate|revoke|webhooks`) and dev user tokens (`./dev token`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os

from cli.databases import database_url, say, unit_of_work
from cli.stack import AUDIENCE, ISSUER, StackSecrets
from cli.stack_state import StackFiles
from gateway.domain.clients import ClientExistsError, ClientNotFoundError
from identity.principal import Principal, Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer


async def _clients(arguments: argparse.Namespace) -> None:
    from gateway.use_cases import oauth_clients

    actor = Principal(
        subject="cli:" + os.environ.get("USER", "operator"), kind="user", roles=frozenset({Role.PLATFORM_ADMIN})
    )
    async with unit_of_work(database_url("gateway"), "gateway", "clients") as uow:
        if arguments.action == "create":
            registration = oauth_clients.ClientRegistration(
                client_id=arguments.client_id,
                name=arguments.name,
                institution=arguments.institution,
                roles=[Role(role) for role in arguments.role],
                scopes=arguments.scope,
                contracts=arguments.contract,
                organisations=arguments.organisation,
                communes=arguments.commune,
                bodies=arguments.body,
            )
            secret = await oauth_clients.register_client(uow, actor, registration)
            say(json.dumps({"client_id": arguments.client_id, "client_secret": secret}))
        elif arguments.action == "list":
            listed = await oauth_clients.list_clients(uow)
            if not listed:
                say("no partner client yet: `./dev clients create cdq-name --name … --role … --scope …`")
            for row in listed:
                say(
                    json.dumps(
                        {
                            "client_id": row.client_id,
                            "name": row.name,
                            "scopes": row.scopes,
                            "contracts": row.contracts,
                            "revoked": row.revoked_at is not None,
                        }
                    )
                )
        elif arguments.action == "rotate":
            say(
                json.dumps(
                    {
                        "client_id": arguments.client_id,
                        "client_secret": await oauth_clients.rotate_secret(uow, actor, arguments.client_id),
                    }
                )
            )
        elif arguments.action == "webhooks":
            from gateway.webhooks.use_cases import subscriptions_of

            for subscription in await subscriptions_of(uow, arguments.client_id):
                say(
                    json.dumps(
                        {
                            "id": str(subscription.subscription_id),
                            "url": subscription.url,
                            "types": subscription.event_types,
                            "contractCode": subscription.contract_code,
                            "enabled": subscription.is_enabled,
                            "disabledReason": subscription.disabled_reason,
                        }
                    )
                )
        elif arguments.action == "revoke":
            await oauth_clients.revoke_client(uow, actor, arguments.client_id)
            say(f"revoked {arguments.client_id}")


def command_clients(arguments: argparse.Namespace) -> None:
    try:
        asyncio.run(_clients(arguments))
    except ClientExistsError as exists:
        raise SystemExit(f"client {exists} exists: `./dev clients rotate {exists}` gives it a new secret") from None
    except ClientNotFoundError as missing:
        raise SystemExit(f"no client {missing}: `./dev clients list` shows them") from None
    except ValueError as invalid:
        raise SystemExit(str(invalid)) from None


def command_token(arguments: argparse.Namespace) -> None:
    """Mint a user token for local use, signed with the local stack's key."""
    key = os.environ.get("GATEWAY_SIGNING_KEY")
    if key is None:
        files = StackFiles.current()
        if not files.secrets.exists():  # new keys here would sign tokens no running stack accepts
            raise SystemExit(
                f"no stack was started from {files.data_dir}: start one with `./dev up`, or point CDQ_DATA_DIR at "
                "the data directory of the stack you run (or set GATEWAY_SIGNING_KEY)"
            )
        key = StackSecrets.load_or_create(files.secrets).signing_key_pem
    roles = [Role(role) for role in arguments.role]
    issuer = TokenIssuer(key, ISSUER, AUDIENCE, arguments.ttl)
    grant = TokenGrant(
        subject=arguments.subject,
        kind="user",
        institution=arguments.institution,
        roles=[role.value for role in roles],
        scopes=arguments.scope or sorted(scopes_for_roles(roles)),
        contracts=arguments.contract,
        organisations=arguments.organisation,
        communes=arguments.commune,
        bodies=arguments.body,
    )
    say(issuer.mint(grant))


def add_bindings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--institution")
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        choices=[
            "platform_admin",
            "contract_pilot",
            "state",
            "co_financer",
            "commune",
            "operator",
            "body_facilitator",
            "auditor",
            "public",
        ],
    )
    parser.add_argument("--scope", action="append", default=[])
    parser.add_argument("--contract", action="append", default=[])
    parser.add_argument("--organisation", action="append", default=[])
    parser.add_argument("--commune", action="append", default=[])
    parser.add_argument("--body", action="append", default=[])
