"""The current state as SQL over what it is derived from: ConsentState from the events, and
its copy per person (CurrentChoices) from ConsentState. consent_record keeps both up to
date event by event; these statements rebuild and verify them in bulk.
"""
# ruff: noqa: S608 - the statements are composed of this module's constants only.

# ConsentState as the events say it should be: the last event per (subject, purpose, channel).
STATES_FROM_EVENTS = """
SELECT DISTINCT ON (subject_id, purpose_id, channel) subject_id, purpose_id, channel, decision, id, occurred_at
  FROM ledger_consentevent
 ORDER BY subject_id, purpose_id, channel, id DESC
"""

# CurrentChoices as ConsentState says it should be (keys as ConsentState.choice_key).
CHOICES_FROM_STATES = """
SELECT subject_id,
       jsonb_object_agg(purpose_id || COALESCE('/' || channel, ''), jsonb_build_array(decision, event_id)) AS choices
  FROM ledger_consentstate
 GROUP BY subject_id
"""

STATES_REBUILD_SQL = f"""
INSERT INTO ledger_consentstate (subject_id, purpose_id, channel, decision, event_id, updated_at)
{STATES_FROM_EVENTS}
ON CONFLICT ON CONSTRAINT ledger_consentstate_unique
DO UPDATE SET decision = EXCLUDED.decision, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
 WHERE ledger_consentstate.event_id IS DISTINCT FROM EXCLUDED.event_id
"""

CHOICES_REBUILD_SQL = f"""
INSERT INTO ledger_currentchoices (subject_id, choices)
{CHOICES_FROM_STATES}
ON CONFLICT (subject_id) DO UPDATE SET choices = EXCLUDED.choices
 WHERE ledger_currentchoices.choices IS DISTINCT FROM EXCLUDED.choices
"""

# The first (subject, purpose, channel) whose ConsentState row is not its last event.
# %(subject)s narrows both to one subject; NULL checks everyone.
STATES_DRIFT_SQL = f"""
SELECT COALESCE(last.subject_id, cs.subject_id), COALESCE(last.purpose_id, cs.purpose_id),
       COALESCE(last.channel, cs.channel), last.id, cs.event_id
  FROM (SELECT * FROM ({STATES_FROM_EVENTS}) e
         WHERE %(subject)s::uuid IS NULL OR subject_id = %(subject)s::uuid) last
  FULL JOIN (SELECT * FROM ledger_consentstate
              WHERE %(subject)s::uuid IS NULL OR subject_id = %(subject)s::uuid) cs
    ON cs.subject_id = last.subject_id AND cs.purpose_id = last.purpose_id
   AND COALESCE(cs.channel, '') = COALESCE(last.channel, '')
 WHERE cs.event_id IS DISTINCT FROM last.id OR cs.decision IS DISTINCT FROM last.decision
 ORDER BY 1
 LIMIT 1
"""

# The first subject whose copy differs from its ConsentState rows (or that has one without them).
CHOICES_DRIFT_SQL = f"""
SELECT COALESCE(cc.subject_id, c.subject_id)
  FROM (SELECT * FROM ledger_currentchoices
         WHERE %(subject)s::uuid IS NULL OR subject_id = %(subject)s::uuid) cc
  FULL JOIN (SELECT * FROM ({CHOICES_FROM_STATES}) s
              WHERE %(subject)s::uuid IS NULL OR subject_id = %(subject)s::uuid) c
    ON c.subject_id = cc.subject_id
 WHERE cc.choices IS DISTINCT FROM c.choices
 ORDER BY 1
 LIMIT 1
"""
