"""Partner clients: registered, listed, rotated and revoked by the CLI; tokens by client credentials."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from gateway.db.base import audit_events
from gateway.db.models import OAuthClientRow
from gateway.db.repositories import OAuthClientRepository
from gateway.domain.clients import (
    CLIENT_ID,
    ClientExistsError,
    ClientNotFoundError,
    InvalidClientError,
    granted_scopes,
    hash_secret,
    new_secret,
    secret_matches,
)
from identity.principal import Principal, Role
from kit.audit import record_audit
from kit.auth.tokens import TokenGrant, TokenIssuer
from kit.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ClientRegistration:
    client_id: str
    name: str
    institution: str | None
    roles: list[Role]
    scopes: list[str]
    contracts: list[str]
    organisations: list[str]
    communes: list[str]
    bodies: list[str]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]


async def register_client(uow: UnitOfWork, actor: Principal, registration: ClientRegistration) -> str:
    """Store the client and return its secret, shown this once only."""
    if not CLIENT_ID.match(registration.client_id):
        raise ValueError("client id: cdq- followed by 3-60 of a-z, 0-9, '-'")
    secret = new_secret()
    async with uow:
        clients = OAuthClientRepository(uow.session)
        if await clients.get(registration.client_id) is not None:
            raise ClientExistsError(registration.client_id)
        await clients.add(
            OAuthClientRow(
                client_id=registration.client_id,
                name=registration.name,
                secret_hash=hash_secret(secret),
                institution=registration.institution,
                roles=[role.value for role in registration.roles],
                scopes=registration.scopes,
                contracts=registration.contracts,
                organisations=registration.organisations,
                communes=registration.communes,
                bodies=registration.bodies,
            )
        )
        await record_audit(
            uow.session,
            audit_events,
            actor,
            "client.registered",
            "oauth_client",
            registration.client_id,
            after={"name": registration.name, "scopes": registration.scopes, "contracts": registration.contracts},
        )
        await uow.commit()
    return secret


async def list_clients(uow: UnitOfWork) -> list[OAuthClientRow]:
    async with uow:
        return await OAuthClientRepository(uow.session).all()


async def rotate_secret(uow: UnitOfWork, actor: Principal, client_id: str) -> str:
    secret = new_secret()
    async with uow:
        row = await OAuthClientRepository(uow.session).get(client_id)
        if row is None or row.revoked_at is not None:
            raise ClientNotFoundError(client_id)
        row.secret_hash = hash_secret(secret)
        row.rotated_at = func.now()
        await record_audit(uow.session, audit_events, actor, "client.rotated", "oauth_client", client_id)
        await uow.commit()
    return secret


async def revoke_client(uow: UnitOfWork, actor: Principal, client_id: str) -> None:
    async with uow:
        row = await OAuthClientRepository(uow.session).get(client_id)
        if row is None:
            raise ClientNotFoundError(client_id)
        row.revoked_at = func.now()
        await record_audit(uow.session, audit_events, actor, "client.revoked", "oauth_client", client_id)
        await uow.commit()


async def issue_token(
    uow: UnitOfWork, issuer: TokenIssuer, client_id: str, secret: str, requested_scopes: str | None
) -> IssuedToken:
    async with uow:
        row = await OAuthClientRepository(uow.session).get(client_id)
    if row is None or row.revoked_at is not None or not secret_matches(secret, row.secret_hash):
        raise InvalidClientError(client_id)
    scopes = granted_scopes(requested_scopes, row.scopes)
    token = issuer.mint(
        TokenGrant(
            subject=row.client_id,
            kind="client",
            institution=row.institution,
            roles=row.roles,
            scopes=scopes,
            contracts=row.contracts,
            organisations=row.organisations,
            communes=row.communes,
            bodies=row.bodies,
        )
    )
    return IssuedToken(access_token=token, expires_in=issuer.ttl_seconds, scopes=scopes)
