"""Changing the ledger the way only its owner (or a superuser) can: triggers off."""

from django.db import connection

from consent.ledger.chain import event_hash
from consent.ledger.models import ConsentEvent

LEDGER_TABLES = [
    "ledger_consentevent",
    "ledger_consentevidence",
    "ledger_consentstate",
    "ledger_currentchoices",
    "ledger_evidenceerasure",
    "ledger_ledgercheckpoint",
    "ledger_chainhead",
]


def tamper(*statements: tuple[str, list]) -> None:
    """Run each (sql, params) with every trigger of the ledger tables disabled, as an owner would."""
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; fire the pending checks so the tables can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in LEDGER_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
        finally:
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")


def rewrite_chain_from(event: ConsentEvent, *, prev_hash: str | None = None, **changes) -> None:
    """Edit one event and re-hash it and every later event of its chain, so the chain by
    itself verifies again: the attack only an anchor outside the table can reveal. With
    `prev_hash`, the event is re-linked to it (the genesis hash: it claims to start the chain)."""
    chain = list(ConsentEvent.objects.filter(subject_id=event.subject_id, id__gte=event.pk).order_by("id"))
    statements, prev_hash = [], chain[0].prev_hash if prev_hash is None else prev_hash
    for index, current in enumerate(chain):
        if index == 0:
            for field, value in changes.items():
                setattr(current, field, value)
        new_hash = event_hash(
            subject_id=current.subject_id, purpose_id=current.purpose_id, channel=current.channel,
            decision=current.decision, source=current.source, actor_type=current.actor_type,
            actor_id=current.actor_id, policy_version_id=current.policy_version_id,
            occurred_at=current.occurred_at, evidence_digest=current.evidence_digest, prev_hash=prev_hash,
        )  # fmt: skip
        assignments = ", ".join(f"{field} = %s" for field in changes) if index == 0 else ""
        values = [changes[field] for field in changes] if index == 0 else []
        sql = f"UPDATE ledger_consentevent SET {assignments + ', ' if assignments else ''}prev_hash = %s, hash = %s WHERE id = %s"
        statements.append((sql, [*values, prev_hash, new_hash, current.pk]))
        prev_hash = new_hash
    tamper(*statements)
