#!/bin/sh
# Run by the postgres image once, when the data volume is first created
# (/docker-entrypoint-initdb.d). Two roles, as docs/operations.md describes:
#   consent_owner  owns the database and every table; `migrate` runs as it.
#   consent_app    what web, worker and beat connect as; `manage.py grant_app_role
#                  consent_app` (run by migrate's service) gives it row privileges only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$CONSENT_OWNER_DB_PASSWORD" -v app_password="$CONSENT_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE consent_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE consent_app LOGIN PASSWORD :'app_password';
CREATE DATABASE consent OWNER consent_owner;
\connect consent
-- Only the owner creates objects in the schema (the default since PostgreSQL 15; explicit here).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
