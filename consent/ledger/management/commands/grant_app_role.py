"""`manage.py grant_app_role ROLE`: the database role the web app and workers connect as.

Run by the role that owns the tables (the one `migrate` runs as), after every migrate; it
is idempotent. The role gets row privileges and nothing more, because the ledger's
protections are only as strong as the distance between the two roles:
- a table's owner can `ALTER TABLE … DISABLE TRIGGER` or drop the triggers; a role that
  neither owns nor is a member of the owner cannot;
- `SET session_replication_role = replica` (which skips ordinary triggers) needs superuser;
- TRUNCATE, REFERENCES and TRIGGER are never granted;
- on the append-only tables (every table whose pgtrigger Protect refuses UPDATE or DELETE)
  those privileges are withheld too, so the privilege check refuses before the trigger does;
- evidence is deleted only through `ledger_evidence_erase()` (EXECUTE granted), and its
  audit table, written only by that function, is read-only to the role.
"""

import pgtrigger
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from consent.ledger.models import EvidenceEraseOnly, EvidenceErasure

ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Tables written only by a SECURITY DEFINER function, as the owner: the role reads them.
DEFINER_WRITTEN = (EvidenceErasure._meta.db_table,)
# Functions the role may call (each SECURITY DEFINER, owned by the owner, EXECUTE revoked from PUBLIC).
DEFINER_FUNCTIONS = ("ledger_evidence_erase(uuid)",)


def withheld_privileges() -> dict[str, set[str]]:
    """{table: privileges the role must not hold}, read from the triggers that enforce them."""
    withheld: dict[str, set[str]] = {}
    for model, trigger in pgtrigger.registered():
        operations = set()
        if isinstance(trigger, pgtrigger.Protect) and trigger.condition is None:
            operations = {op for op in ("UPDATE", "DELETE") if op in str(trigger.operation)}
        elif isinstance(trigger, EvidenceEraseOnly):
            operations = {"DELETE"}
        if operations:
            withheld.setdefault(model._meta.db_table, set()).update(operations)
    for table in DEFINER_WRITTEN:
        withheld.setdefault(table, set()).update({"INSERT", "UPDATE", "DELETE"})
    return withheld


class Command(BaseCommand):
    help = (
        "Give an existing database login role the row privileges the web app and workers need (run as the role "
        "that owns the tables, after migrate; idempotent). No ownership, no TRUNCATE, no UPDATE or DELETE of "
        "append-only tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="the login role the web app and workers connect as, e.g. consent_app")

    def handle(self, *args, role: str, **options):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    f"No database role {role!r}. Create it first (docs/operations.md): "
                    f"CREATE ROLE {role} LOGIN PASSWORD '…';"
                )
            if row[0] or row[1]:
                raise CommandError(f"{role} is a superuser or bypasses row security: the triggers cannot hold it.")
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            owner, schema, database = cursor.fetchone()
            if role == owner:
                raise CommandError(f"{role} is the role running this command, the tables' owner. Use another role.")
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{role} is a member of {owner}, which owns the tables: it could disable the ledger's triggers."
                )
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tableowner <> current_user", [schema]
            )
            foreign = [name for (name,) in cursor.fetchall()]
            if foreign:
                raise CommandError(
                    f"Run this as the role that owns the tables (and ran migrate); {owner} does not own: "
                    + ", ".join(sorted(foreign))
                )

            q = connection.ops.quote_name
            who, where = q(role), q(schema)
            statements = [
                f"GRANT CONNECT ON DATABASE {q(database)} TO {who}",
                f"GRANT USAGE ON SCHEMA {where} TO {who}",
                # Start from nothing, so a second run also takes back what an earlier hand gave.
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}",
                f"GRANT {', '.join(ROW_PRIVILEGES)} ON ALL TABLES IN SCHEMA {where} TO {who}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
                # Tables that later migrations create follow (they are created by this same owner).
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT {', '.join(ROW_PRIVILEGES)} ON TABLES TO {who}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {who}",
            ]
            withheld = withheld_privileges()
            statements += [
                f"REVOKE {', '.join(sorted(privileges))} ON {where}.{q(table)} FROM {who}"
                for table, privileges in sorted(withheld.items())
            ]
            statements += [f"GRANT EXECUTE ON FUNCTION {where}.{function} TO {who}" for function in DEFINER_FUNCTIONS]
            for statement in statements:
                cursor.execute(statement)

            cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
            can_create = cursor.fetchone()[0]

        self.stdout.write(
            self.style.SUCCESS(
                f"{role}: {', '.join(ROW_PRIVILEGES)} on the tables of schema {schema} (and on those later "
                f"migrations create), sequences, EXECUTE on {', '.join(DEFINER_FUNCTIONS)}; append-only tables "
                f"without UPDATE/DELETE: {', '.join(sorted(withheld))}."
            )
        )
        if can_create:
            self.stderr.write(
                self.style.WARNING(
                    f"{role} may CREATE objects in schema {schema} (PostgreSQL before 15 lets everyone): "
                    f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC, as the schema's owner."
                )
            )
