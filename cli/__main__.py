"""`python -m cli <command>`: run `python -m cli --help` for the list."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.data_imports import (
    command_apply_retention,
    command_import_cog,
    command_import_filosofi,
    command_import_national,
    command_import_qpv_national,
    command_import_reference,
)
from cli.databases import migration_url, say
from cli.partner_clients import add_bindings, command_clients, command_token
from cli.provisioning import APPS, migrate
from cli.running import command_status, command_up
from cli.stack import DEFAULT_PORTS
from cli.stack_state import ROOT


def command_migrate(arguments: argparse.Namespace) -> None:
    """Migrate apps as their schema's owner role: `<APP>_MIGRATION_DATABASE_URL`, or the local stack's."""
    for app in arguments.apps or APPS:
        migrate(app, migration_url(app))
        say(f"{app}: at head")


def command_openapi(_arguments: argparse.Namespace) -> None:
    from cli.openapi_documents import write_documents

    for path in write_documents():
        say(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Cœur de Quartier project commands")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up", help="run the whole system locally on an embedded PostgreSQL, supervised (data in $CDQ_DATA_DIR or .data)"
    )
    up.add_argument("--port-base", type=int, default=DEFAULT_PORTS["gateway"])
    up.add_argument("--national-qpv", action="store_true", help="also load the 1,584 QPV 2024 of France")
    up.add_argument(
        "--workers",
        type=int,
        choices=range(1, 65),
        metavar="N",
        help="processes serving each app (default: its <APP>_WORKERS setting, else 1)",
    )
    up.set_defaults(run=command_up)
    commands.add_parser("status", help="what `up` runs: pids, ports, health, restarts").set_defaults(run=command_status)
    migrate_parser = commands.add_parser(
        "migrate", help="migrate as the schema owners (<APP>_MIGRATION_DATABASE_URL, or the running local stack)"
    )
    migrate_parser.add_argument("apps", nargs="*", help="apps to migrate (default: all)")
    migrate_parser.set_defaults(run=command_migrate)
    commands.add_parser("import-reference", help="load the CU d'Arras reference data").set_defaults(
        run=command_import_reference
    )
    national = commands.add_parser("import-qpv-national", help="load a national QPV 2024 GeoJSON (.gz or not)")
    national.add_argument("--file", type=Path, default=None, help="default: the shipped ANCT file")
    national.add_argument("--skip-refused", action="store_true", help="import the rest when some are unusable")
    national.set_defaults(run=command_import_qpv_national)
    cog = commands.add_parser(
        "import-cog", help="load regions, departements, EPCI and communes of @etalab/decoupage-administratif"
    )
    cog.add_argument("directory", type=Path, help="holds regions.json, departements.json, communes.json, epci.json")
    cog.add_argument("--population-year", type=int, required=True, help="vintage of the communes' population")
    cog.set_defaults(run=command_import_cog)
    commands.add_parser(
        "import-national",
        help="download @etalab/decoupage-administratif (pinned, cached in $CDQ_NPM_CACHE) and load France's"
        " regions, departements, EPCI, communes, then the national QPV 2024: any EPCI's contract can be registered",
    ).set_defaults(run=command_import_national)
    filosofi = commands.add_parser("import-filosofi", help="load INSEE Filosofi 200 m squares (CSV)")
    filosofi.add_argument("file", type=Path)
    filosofi.add_argument("--vintage", type=int, required=True, choices=[2015, 2017, 2019, 2021])
    filosofi.add_argument("--communes", default="", help="communes of every square, when the file has no column")
    filosofi.add_argument("--dry-run", action="store_true", help="report every line, write nothing")
    filosofi.add_argument("--skip-bad-lines", action="store_true", help="import the good lines, report the rest")
    filosofi.set_defaults(run=command_import_filosofi)
    commands.add_parser("openapi", help="write openapi/*.json from the code").set_defaults(run=command_openapi)
    commands.add_parser(
        "apply-retention", help="delete personal data past its retention (draw pools, former members)"
    ).set_defaults(run=command_apply_retention)
    clients = commands.add_parser("clients", help="partner clients (OAuth2 client credentials)")
    clients.add_argument("action", choices=["create", "list", "rotate", "revoke", "webhooks"])
    clients.add_argument("client_id", nargs="?", default="")
    clients.add_argument("--name", default="")
    add_bindings(clients)
    clients.set_defaults(run=command_clients)
    token = commands.add_parser("token", help="mint a dev user token")
    token.add_argument("--subject", default="dev-user")
    token.add_argument("--ttl", type=int, default=12 * 3600)
    add_bindings(token)
    token.set_defaults(run=command_token)
    arguments = parser.parse_args()
    if arguments.command == "token" and not arguments.role:
        arguments.role = ["platform_admin"]
    arguments.run(arguments)


if __name__ == "__main__":
    main()
