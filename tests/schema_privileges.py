"""What each role may do in an app's schema, read from the catalog by name, so that two databases (or two
clusters, one provisioned by cli/provisioning.py and one by deploy/postgres-bootstrap.sh) compare equal."""

from __future__ import annotations

from typing import Any

import asyncpg

from cli.provisioning import APPS, owner_role

TABLE_RIGHTS = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
SEQUENCE_RIGHTS = ["USAGE", "SELECT", "UPDATE"]


async def schema_privileges(connection: asyncpg.Connection, app: str) -> dict[str, Any]:
    """Owners of the schema and of everything in it, the runtime role's rights on each, its membership."""
    relations = await connection.fetch(
        """
        SELECT c.relname, c.relkind::text AS kind, pg_get_userbyid(c.relowner) AS owner,
               CASE WHEN c.relkind IN ('r', 'p', 'v', 'm') THEN
                   ARRAY(SELECT r FROM unnest($3::text[]) AS r WHERE has_table_privilege($2, c.oid, r))
               WHEN c.relkind = 'S' THEN
                   ARRAY(SELECT r FROM unnest($4::text[]) AS r WHERE has_sequence_privilege($2, c.oid, r))
               END AS rights
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = $1
        ORDER BY c.relname
        """,
        app,
        app,
        TABLE_RIGHTS,
        SEQUENCE_RIGHTS,
    )
    functions = await connection.fetch(
        """
        SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, p.prosecdef AS security_definer
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 ORDER BY p.proname
        """,
        app,
    )
    schema = await connection.fetchrow(
        """
        SELECT pg_get_userbyid(nspowner) AS owner, has_schema_privilege($2, nspname, 'USAGE') AS usage,
               has_schema_privilege($2, nspname, 'CREATE') AS create
        FROM pg_namespace WHERE nspname = $1
        """,
        app,
        app,
    )
    defaults = await connection.fetch(
        """
        SELECT d.defaclobjtype::text AS kind, d.defaclacl::text AS acl
        FROM pg_default_acl AS d JOIN pg_namespace AS n ON n.oid = d.defaclnamespace
        WHERE n.nspname = $1 ORDER BY 1
        """,
        app,
    )
    return {
        "schema": dict(schema) if schema else None,
        "relations": {row["relname"]: (row["kind"], row["owner"], row["rights"]) for row in relations},
        "functions": {row["proname"]: (row["owner"], row["security_definer"]) for row in functions},
        "default_privileges": [tuple(row) for row in defaults],
        "runtime_is_member_of_owner": await connection.fetchval(
            "SELECT CASE WHEN to_regrole($2) IS NOT NULL THEN pg_has_role($1, $2, 'MEMBER') END", app, owner_role(app)
        ),
        "owner_can_log_in": await connection.fetchval(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", owner_role(app)
        ),
    }


def expected_runtime_rights(relation: str, kind: str) -> list[str]:
    """The model: rows read and written, the audit log only read and added to, the revision only read."""
    if kind == "S":
        return ["USAGE", "SELECT"]
    if relation == "audit_events":
        return ["SELECT", "INSERT"]
    if relation == "alembic_version":
        return ["SELECT"]
    return ["SELECT", "INSERT", "UPDATE", "DELETE"]


def model_violations(privileges: dict[str, Any], app: str) -> list[str]:
    """Every way the schema departs from the model; empty when it follows it."""
    owner = owner_role(app)
    found = []
    schema = privileges["schema"]
    if schema != {"owner": owner, "usage": True, "create": False}:
        found.append(f"schema: {schema}")
    if privileges["runtime_is_member_of_owner"]:
        found.append(f"{app} is a member of {owner}")
    for name, (kind, relation_owner, rights) in privileges["relations"].items():
        if relation_owner != owner:
            found.append(f"{name} is owned by {relation_owner}")
        if kind in ("r", "p", "S") and rights != expected_runtime_rights(name, kind):
            found.append(f"{app} may {rights} on {name}")
    for name, (function_owner, security_definer) in privileges["functions"].items():
        if function_owner != owner or security_definer:
            found.append(f"function {name}: owner {function_owner}, security definer {security_definer}")
    return found


async def make_it_old(admin_dsn: str) -> None:
    """Turn a provisioned database into what provisioning made before the owner roles existed: each runtime
    role owns its schema and everything in it, and no owner role exists (the roles are the cluster's)."""
    connection = await asyncpg.connect(admin_dsn)
    try:
        for app in APPS:
            await connection.execute(f'REASSIGN OWNED BY "{owner_role(app)}" TO "{app}"')
            await connection.execute(f'DROP OWNED BY "{owner_role(app)}"')
            await connection.execute(f'DROP ROLE "{owner_role(app)}"')
    finally:
        await connection.close()
