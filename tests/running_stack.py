"""The system under test: a real PostgreSQL cluster and the four apps on loopback ports."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa

from cli.embedded_postgres import EmbeddedPostgres, free_port
from cli.provisioning import APPS, DATABASE, migrate, provision_sync
from cli.stack import AUDIENCE, ISSUER, StackSecrets
from identity.principal import Role, scopes_for_roles
from kit.auth.tokens import TokenGrant, TokenIssuer, public_jwks
from tests.clock import TravellingClock

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings

CUA_CONTRACT = "CV-200033579-2024"
OIDC_ISSUER = "https://idp.example.test/realms/cua"
OIDC_AUDIENCE = "cdq-web"


class FakeIdentityProvider:
    """An external OpenID Connect issuer (outside the system, so faked): RS256 keys served as JWKS."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": "idp-key-1", "use": "sig", "alg": "RS256"})
        self.jwks = json.dumps({"keys": [jwk]}).encode()

    def token(self, claims: dict[str, Any], lifetime: int = 300) -> str:
        now = int(time.time())
        body = {"iss": OIDC_ISSUER, "aud": OIDC_AUDIENCE, "iat": now, "exp": now + lifetime, **claims}
        return jwt.encode(body, self.private_key, algorithm="RS256", headers={"kid": "idp-key-1"})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": self.jwks})


# Instances of each app behind its port (`CDQ_TEST_REPLICAS`, 1 by default): with 2, every request goes to
# the next instance in turn, as a Kubernetes Service spreads requests over two pods, or uvicorn over two
# workers; what one instance keeps in its process (remembered answers, kept counts, the QPV index, rate
# limits, in-flight idempotency keys, admission) the other does not see, so a test that passes only
# because it met the same instance twice fails here.
REPLICAS_SETTING = "CDQ_TEST_REPLICAS"


def replicas_asked(environment: Mapping[str, str] = os.environ) -> int:
    value = environment.get(REPLICAS_SETTING, "1")
    if value not in {"1", "2", "3"}:
        raise RuntimeError(f"{REPLICAS_SETTING} is 1, 2 or 3, not {value!r}")
    return int(value)


class Replicas:
    """Instances of one ASGI app served as one: each HTTP request to the next in turn, every lifespan
    started in order and stopped in the reverse order (each instance with its own lifespan state, merged
    into the server's, which uvicorn hands to every request)."""

    def __init__(self, instances: Sequence[Any]) -> None:
        self.instances = list(instances)
        self.pinned: Any | None = None  # every request to this instance (`RunningStack.one_instance`)
        self._turn = itertools.cycle(self.instances)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespans(scope, receive, send)
            return
        await (self.pinned or next(self._turn))(scope, receive, send)

    async def _lifespans(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()  # lifespan.startup
        running: list[tuple[asyncio.Task[None], asyncio.Queue[Any], asyncio.Queue[Any]]] = []
        for instance in self.instances:
            to_instance: asyncio.Queue[Any] = asyncio.Queue()
            from_instance: asyncio.Queue[Any] = asyncio.Queue()
            own = {**scope, "state": {}}
            task = asyncio.create_task(instance(own, to_instance.get, from_instance.put))
            await to_instance.put({"type": "lifespan.startup"})
            answer = await from_instance.get()
            if answer["type"] != "lifespan.startup.complete":
                await self._stop(running)  # those already started
                await send({"type": "lifespan.startup.failed", "message": answer.get("message", "")})
                return
            scope.get("state", {}).update(own["state"])
            running.append((task, to_instance, from_instance))
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self._stop(running)
        await send({"type": "lifespan.shutdown.complete"})

    @staticmethod
    async def _stop(running: list[tuple[asyncio.Task[None], asyncio.Queue[Any], asyncio.Queue[Any]]]) -> None:
        for task, to_instance, from_instance in reversed(running):
            await to_instance.put({"type": "lifespan.shutdown"})
            await from_instance.get()
            await task


class ServingThread(threading.Thread):
    """Runs ASGI apps with uvicorn in one background event loop."""

    def __init__(self, apps: Mapping[str, tuple[Any, int]]) -> None:
        super().__init__(daemon=True)
        self.servers = {
            name: uvicorn.Server(
                uvicorn.Config(
                    app,
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    lifespan="on",
                    access_log=False,
                    timeout_graceful_shutdown=2,
                )
            )
            for name, (app, port) in apps.items()
        }

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        await asyncio.gather(*(server.serve() for server in self.servers.values()))

    def start_and_wait(self, timeout: float = 30) -> None:
        self.start()
        deadline = time.monotonic() + timeout
        while not all(server.started for server in self.servers.values()):
            if time.monotonic() > deadline or not self.is_alive():
                raise RuntimeError("the apps did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        for server in self.servers.values():
            server.should_exit = True
        self.join(timeout=15)


@dataclass
class RunningStack:
    cluster: EmbeddedPostgres
    secrets: StackSecrets
    urls: dict[str, str]
    thread: ServingThread | None = None
    identity_provider: FakeIdentityProvider = field(default_factory=FakeIdentityProvider)
    clock: TravellingClock = field(default_factory=TravellingClock)
    issuer: TokenIssuer = field(init=False)

    def __post_init__(self) -> None:
        self.issuer = TokenIssuer(self.secrets.signing_key_pem, ISSUER, AUDIENCE, 600)

    @property
    def gateway(self) -> str:
        return self.urls["gateway"]

    def _served(self) -> dict[str, Any]:
        """What each port serves: an app, or its `Replicas`."""
        if self.thread is None:
            raise RuntimeError("the stack's apps are not running")
        return {name: server.config.app for name, server in self.thread.servers.items()}

    def app(self, name: str) -> Any:
        """The running app itself (the services run in the tests' process), for what only it knows; with
        replicas, the first instance."""
        served = self._served()[name]
        return served.instances[0] if isinstance(served, Replicas) else served

    @property
    def instances(self) -> int:
        """How many instances serve each app (`CDQ_TEST_REPLICAS`)."""
        served = self._served()["gateway"]
        return len(served.instances) if isinstance(served, Replicas) else 1

    @contextmanager
    def one_instance(self) -> Iterator[None]:
        """Every request to the first instance of each app meanwhile: for what one process keeps in its
        memory (remembered answers and their single flight), with `CDQ_TEST_REPLICAS` above 1."""
        replicated = [app for app in self._served().values() if isinstance(app, Replicas)]
        for app in replicated:
            app.pinned = app.instances[0]
        try:
            yield
        finally:
            for app in replicated:
                app.pinned = None

    def role_url(self, app: str) -> str:
        """The app's runtime role: what the app itself connects as."""
        return self.secrets.runtime_url(app, "127.0.0.1", self.cluster.port)

    @asynccontextmanager
    async def runtime_connection(self, app: str) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the app's runtime role: what the app, its imports and its operators write as."""
        connection = await asyncpg.connect(self.role_url(app).replace("+asyncpg", ""))
        try:
            yield connection
        finally:
            await connection.close()

    def owner_url(self, app: str) -> str:
        """The role owning the app's schema: migrations, DDL, VACUUM."""
        return self.secrets.owner_url(app, "127.0.0.1", self.cluster.port)

    def provision(self, database: str) -> None:
        """The same roles and schemas in another database of the cluster."""
        provision_sync(self.admin_dsn("postgres"), database, self.secrets.role_passwords, self.secrets.owner_passwords)

    def territories_database(self, database: str) -> str:
        """A migrated territories schema in a database of its own, for tests that load national files; the
        runtime role's URL."""
        self.provision(database)
        migrate("territories", in_database(self.owner_url("territories"), database))
        return in_database(self.role_url("territories"), database)

    def admin_dsn(self, database: str = DATABASE) -> str:
        return self.cluster.url("postgres", self.secrets.superuser_password, database, driver="postgresql")

    def token(
        self,
        roles: Sequence[Role],
        contracts: Sequence[str] = (),
        scopes: Sequence[str] | None = None,
        subject: str | None = None,
        institution: str = "test-institution",
        **bindings: Sequence[str],
    ) -> str:
        grant = TokenGrant(
            subject=subject or "user-" + secrets.token_hex(4),
            kind="user",
            institution=institution,
            roles=[role.value for role in roles],
            scopes=list(scopes) if scopes is not None else sorted(scopes_for_roles(roles)),
            contracts=contracts,
            organisations=bindings.get("organisations", ()),
            communes=bindings.get("communes", ()),
            bodies=bindings.get("bodies", ()),
        )
        return self.issuer.mint(grant)

    def headers(self, roles: Sequence[Role], contracts: Sequence[str] = (), **extra: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(roles, contracts, **extra)}

    def jwks_json(self) -> str:
        return json.dumps(public_jwks([self.secrets.signing_key_pem]))


def in_database(url: str, database: str) -> str:
    """The same role's URL in another database of the cluster."""
    return url.rsplit("/", 1)[0] + "/" + database


def start_cluster() -> tuple[EmbeddedPostgres, StackSecrets]:
    stack_secrets = StackSecrets.generate()
    parent = Path(tempfile.mkdtemp(prefix="cdq-test-pg-"))
    parent.chmod(0o711)  # the cluster may run as `nobody`, which must be able to enter it
    root = parent / "pg"
    cluster = EmbeddedPostgres(root=root, superuser_password=stack_secrets.superuser_password, durable=False)
    cluster.start()
    provision_sync(
        cluster.url("postgres", stack_secrets.superuser_password, "postgres", driver="postgresql"),
        DATABASE,
        stack_secrets.role_passwords,
        stack_secrets.owner_passwords,
    )
    return cluster, stack_secrets


def migrate_all(cluster: EmbeddedPostgres, stack_secrets: StackSecrets) -> None:
    """Every schema at head, migrated by its owner role."""
    for app in APPS:
        migrate(app, stack_secrets.owner_url(app, "127.0.0.1", cluster.port))


def gateway_settings(stack: RunningStack, oidc: Mapping[str, Any] | None = None) -> GatewaySettings:
    """The test gateway's settings (its worker's too)."""
    from gateway.settings import GatewaySettings

    return GatewaySettings(
        environment="test",
        database_url=stack.role_url("gateway"),
        signing_key=stack.secrets.signing_key_pem,
        webhook_secrets_key=stack.secrets.webhook_secrets_key,
        issuer=ISSUER,
        audience=AUDIENCE,
        territories_url=stack.urls["territories"],
        grants_url=stack.urls["grants"],
        participation_url=stack.urls["participation"],
        cors_origins=["https://front.example.test"],
        upstream_deadline_seconds=5.0,
        token_requests_per_minute=1000,
        webhook_allow_local_targets=True,
        **(oidc or {}),
    )


def build_apps(stack: RunningStack, ports: Mapping[str, int]) -> dict[str, tuple[Any, int]]:
    from gateway.app import create_app as create_gateway
    from services.grants.app import create_app as create_grants
    from services.grants.settings import GrantsSettings
    from services.participation.app import create_app as create_participation
    from services.participation.settings import ParticipationSettings
    from services.territories.app import create_app as create_territories
    from services.territories.settings import TerritoriesSettings

    oidc: dict[str, Any] = {
        "oidc_issuer": OIDC_ISSUER,
        "oidc_jwks_url": stack.urls["identity_provider"] + "/jwks.json",
        "oidc_audience": OIDC_AUDIENCE,
    }

    def common(app: str) -> dict[str, Any]:
        return {
            "environment": "test",
            "database_url": stack.role_url(app),
            "auth_issuer": ISSUER,
            "auth_audience": AUDIENCE,
            "auth_jwks": stack.jwks_json(),
            # Under the test gateway's 5 s deadline, as the defaults are under the real one's 15 s: a writer
            # queued behind another waits for two locks in turn, so twice the lock timeout.
            "db_lock_timeout_ms": 2_000,
            "db_statement_timeout_ms": 4_500,
            **oidc,
        }

    territories_url = stack.urls["territories"]
    factories: dict[str, Callable[[], Any]] = {
        "territories": lambda: create_territories(TerritoriesSettings(**common("territories")), clock=stack.clock),
        "grants": lambda: create_grants(
            GrantsSettings(**common("grants"), territories_url=territories_url), clock=stack.clock
        ),
        "participation": lambda: create_participation(
            ParticipationSettings(**common("participation"), territories_url=territories_url), clock=stack.clock
        ),
        "gateway": lambda: create_gateway(gateway_settings(stack, oidc), clock=stack.clock),
    }
    replicas = replicas_asked()
    served = {
        app: (factory() if replicas == 1 else Replicas([factory() for _ in range(replicas)]), ports[app])
        for app, factory in factories.items()
    }
    return {**served, "identity_provider": (stack.identity_provider, ports["identity_provider"])}


def start_stack() -> RunningStack:
    cluster, stack_secrets = start_cluster()
    migrate_all(cluster, stack_secrets)
    ports = {app: free_port() for app in ("gateway", "territories", "grants", "participation", "identity_provider")}
    stack = RunningStack(cluster, stack_secrets, {app: f"http://127.0.0.1:{port}" for app, port in ports.items()})
    from cli.data_imports import import_grants_reference_data, import_participation_demo, import_reference

    asyncio.run(import_reference(stack.role_url("territories")))
    asyncio.run(import_grants_reference_data(stack.role_url("grants")))
    asyncio.run(import_participation_demo(stack.role_url("participation")))
    stack.thread = ServingThread(build_apps(stack, ports))
    stack.thread.start_and_wait()
    return stack


def stop_stack(stack: RunningStack) -> None:
    """Stop the apps and the cluster, and remove the cluster's files (a quarter of a gigabyte per session)."""
    try:
        if stack.thread is not None:
            stack.thread.stop()
        stack.cluster.stop()
    finally:
        shutil.rmtree(stack.cluster.root.parent, ignore_errors=True)
