#!/usr/bin/env bash
# Run once by the postgres image on an empty volume: one login role per app, owning only its schema.
set -euo pipefail
: "${TERRITORIES_DB_PASSWORD:?}" "${GRANTS_DB_PASSWORD:?}" "${PARTICIPATION_DB_PASSWORD:?}" "${GATEWAY_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE coeur_de_quartier"
for role in territories grants participation gateway; do
    password_var="${role^^}_DB_PASSWORD"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname coeur_de_quartier \
        -v role="$role" -v password="${!password_var}" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
GRANT CONNECT, TEMPORARY ON DATABASE coeur_de_quartier TO :"role";
CREATE SCHEMA :"role" AUTHORIZATION :"role";
REVOKE ALL ON SCHEMA :"role" FROM PUBLIC;
SQL
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname coeur_de_quartier <<'SQL'
REVOKE ALL ON DATABASE coeur_de_quartier FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
