#!/usr/bin/env bash
# Roles and schemas of the platform, the same model as cli/provisioning.py (tests/deployment compares them):
# per app, `<app>_owner` owns the schema and everything in it and runs the migrations; `<app>`, the role
# the app runs as, is not a member of it, reads and writes rows, and may only add to and read its audit log.
#
# The postgres image runs it once on an empty volume. It is idempotent: run it again as the superuser (same
# variables, PGHOST/PGPORT/PGPASSWORD pointing at the server) to bring a volume bootstrapped before the
# owner roles existed to this model (ownership moved from `<app>` to `<app>_owner`), then run the
# migration jobs.
set -euo pipefail
: "${TERRITORIES_DB_PASSWORD:?}" "${GRANTS_DB_PASSWORD:?}" "${PARTICIPATION_DB_PASSWORD:?}" "${GATEWAY_DB_PASSWORD:?}"
: "${TERRITORIES_OWNER_DB_PASSWORD:?}" "${GRANTS_OWNER_DB_PASSWORD:?}" "${PARTICIPATION_OWNER_DB_PASSWORD:?}"
: "${GATEWAY_OWNER_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<'SQL'
SELECT 'CREATE DATABASE coeur_de_quartier'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'coeur_de_quartier') \gexec
SQL
for app in territories grants participation gateway; do
    password_var="${app^^}_DB_PASSWORD"
    owner_password_var="${app^^}_OWNER_DB_PASSWORD"
    psql -v ON_ERROR_STOP=1 --single-transaction --username "$POSTGRES_USER" --dbname coeur_de_quartier \
        -v app="$app" -v owner="${app}_owner" \
        -v password="${!password_var}" -v owner_password="${!owner_password_var}" <<'SQL'
SELECT format('CREATE ROLE %I', wanted.name) FROM unnest(ARRAY[:'app', :'owner']) AS wanted(name)
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = wanted.name) \gexec
ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
-- The runtime role must not be able to become the owner (SET ROLE) nor inherit its rights.
SELECT format('REVOKE %I FROM %I', :'owner', :'app')
WHERE EXISTS (SELECT FROM pg_auth_members WHERE roleid = :'owner'::regrole AND member = :'app'::regrole) \gexec
GRANT CONNECT, TEMPORARY ON DATABASE coeur_de_quartier TO :"app", :"owner";
CREATE SCHEMA IF NOT EXISTS :"app" AUTHORIZATION :"owner";
ALTER SCHEMA :"app" OWNER TO :"owner";
-- Volumes bootstrapped earlier: the runtime role owns the tables, functions and sequences.
REASSIGN OWNED BY :"app" TO :"owner";
REVOKE ALL ON SCHEMA :"app" FROM PUBLIC, :"app";
GRANT USAGE ON SCHEMA :"app" TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"app" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"app" GRANT USAGE, SELECT ON SEQUENCES TO :"app";
-- What exists already (each migration job grants the same after it runs: cli/provisioning.py).
REVOKE ALL ON ALL TABLES IN SCHEMA :"app" FROM :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :"app" TO :"app";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA :"app" FROM :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"app" TO :"app";
SELECT format('REVOKE UPDATE, DELETE ON %I.audit_events FROM %I', :'app', :'app')
WHERE to_regclass(format('%I.audit_events', :'app')) IS NOT NULL \gexec
SELECT format('REVOKE INSERT, UPDATE, DELETE ON %I.alembic_version FROM %I', :'app', :'app')
WHERE to_regclass(format('%I.alembic_version', :'app')) IS NOT NULL \gexec
SQL
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname coeur_de_quartier <<'SQL'
REVOKE ALL ON DATABASE coeur_de_quartier FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
