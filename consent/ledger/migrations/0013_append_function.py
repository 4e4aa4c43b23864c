"""ledger_append(...): consent_record's one statement, from the person's lock to both copies of
the state, so an event costs one round trip (and, outside a transaction, its own commit). It
replaces ledger_chain_head(), which nothing calls any more."""

from importlib import import_module

from django.db import migrations

chain_head = import_module("consent.ledger.migrations.0012_chain_head_function")

# The lock is subject_lock()'s, ledger_chain_head()'s and ledger_evidence_erase()'s. VOLATILE,
# so each statement inside takes a fresh snapshot (READ COMMITTED): the erasure and the head
# are read after the lock is granted and see every event committed by the writer that held it.
# The hash is event_hash's: the caller sends what it serialises between the subject id and the
# predecessor's hash (chain.event_hash_sql_middle), as consent_record_many does.
# Nothing is written, and no error raised, for an erased person (subject_erased is true) or for
# an idempotency key a concurrent retry has just used (appended_id is NULL): the caller answers,
# and a transaction around the call stays usable. Invoker's rights: it writes only what the
# caller may write.
APPEND_FUNCTION_SQL = """
CREATE FUNCTION {schema}.ledger_append(
    chain_subject uuid, event_purpose text, event_channel text, event_decision text, event_source text,
    event_actor_type text, event_actor_id text, event_policy_version bigint, event_occurred_at timestamptz,
    event_evidence_digest text, event_idempotency_key text, hash_middle text,
    evidence_ip inet, evidence_user_agent text, evidence_language text, evidence_text_hash text,
    OUT appended_id bigint, OUT appended_prev_hash text, OUT appended_hash text, OUT subject_erased boolean)
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(chain_subject::text, 0));
    SELECT s.erased_at IS NOT NULL INTO subject_erased FROM {schema}.accounts_subject s WHERE s.id = chain_subject;
    IF subject_erased AND event_source <> 'erasure' THEN
        RETURN;
    END IF;
    SELECT e.hash INTO appended_prev_hash FROM {schema}.ledger_consentevent e
     WHERE e.subject_id = chain_subject ORDER BY e.id DESC LIMIT 1;
    appended_prev_hash := COALESCE(appended_prev_hash, repeat('0', 64));
    appended_hash := encode(sha256(convert_to(
        '["' || chain_subject::text || hash_middle || appended_prev_hash || '"]', 'UTF8')), 'hex');
    INSERT INTO {schema}.ledger_consentevent
        (subject_id, purpose_id, channel, decision, source, actor_type, actor_id, policy_version_id,
         occurred_at, evidence_digest, prev_hash, hash, idempotency_key)
    VALUES (chain_subject, event_purpose, event_channel, event_decision, event_source, event_actor_type,
            event_actor_id, event_policy_version, event_occurred_at, event_evidence_digest, appended_prev_hash,
            appended_hash, event_idempotency_key)
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id INTO appended_id;
    IF appended_id IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {schema}.ledger_consentevidence (event_id, ip_address, user_agent, language, text_hash)
    VALUES (appended_id, evidence_ip, evidence_user_agent, evidence_language, evidence_text_hash);
    INSERT INTO {schema}.ledger_consentstate AS state (subject_id, purpose_id, channel, decision, event_id, updated_at)
    VALUES (chain_subject, event_purpose, event_channel, event_decision, appended_id, event_occurred_at)
    ON CONFLICT ON CONSTRAINT ledger_consentstate_unique
    DO UPDATE SET decision = EXCLUDED.decision, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at;
    -- The key is ConsentState.choice_key's.
    INSERT INTO {schema}.ledger_currentchoices AS current (subject_id, choices)
    VALUES (chain_subject, jsonb_build_object(event_purpose || COALESCE('/' || event_channel, ''),
                                              jsonb_build_array(event_decision, appended_id)))
    ON CONFLICT (subject_id) DO UPDATE SET choices = current.choices || EXCLUDED.choices;
END
$$;
"""

APPEND_SIGNATURE = (
    "uuid, text, text, text, text, text, text, bigint, timestamptz, text, text, text, inet, text, text, text"
)


def create_append_function(apps, schema_editor):
    schema_editor.execute(APPEND_FUNCTION_SQL.format(schema=chain_head._schema(schema_editor)))


def drop_append_function(apps, schema_editor):
    schema_editor.execute(f"DROP FUNCTION {chain_head._schema(schema_editor)}.ledger_append({APPEND_SIGNATURE})")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0012_chain_head_function"),
    ]

    operations = [
        migrations.RunPython(create_append_function, drop_append_function),
        migrations.RunPython(chain_head.drop_chain_head_function, chain_head.create_chain_head_function),
    ]
