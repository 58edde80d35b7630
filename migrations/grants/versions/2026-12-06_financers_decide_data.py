"""The decisions kept before each financer decided its own line, read as the new flow reads them.

- A frozen scenario's amounts were the comité's decisions; they are the financers' proposals, recorded with
  that comité: each line of an application the comité programmed gets the comité and its amount proposed.
- A comité never decided a financer's line whose opinion was "reserved": such a line, set "granted" by the
  freeze of a comité while its application is decided and not notified yet, is undecided again, and its
  application back to proposed (its event kept, and a "reopen" event saying why), awaiting that financer's
  decision. A notified application keeps what its letter said.
- Decisions recorded before the acts were kept have no act (kind and number NULL): nothing is invented.
- A notified application's letter date is the day of its last "notify" move (the only date known).

Re-runnable: each step touches only the rows still as the earlier version wrote them.

Revision ID: gran0023
Revises: gran0022
Create Date: 2026-12-06 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "gran0023"
down_revision: str | None = "gran0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROPOSALS = """
UPDATE grants.financing_lines AS line
SET committee_id = committee.committee_id
FROM grants.committees AS committee
JOIN grants.scenarios AS scenario ON scenario.scenario_id = committee.scenario_id
WHERE line.committee_id IS NULL
  AND line.application_id IN (
      SELECT programmed.application_id FROM grants.scenario_amounts AS programmed
      WHERE programmed.scenario_id = scenario.scenario_id
  )
  AND EXISTS (
      SELECT 1 FROM grants.applications AS application
      WHERE application.application_id = line.application_id AND application.call_id = scenario.call_id
  )
"""
# The amount of each line in its comité's scenario (none: 0), once the step above chose the comité.
AMOUNTS = """
UPDATE grants.financing_lines AS line
SET proposed_cents = coalesce(
    (SELECT amount.amount_cents FROM grants.scenario_amounts AS amount
     JOIN grants.committees AS committee ON committee.scenario_id = amount.scenario_id
     WHERE committee.committee_id = line.committee_id
       AND amount.application_id = line.application_id AND amount.institution_id = line.institution_id),
    0)
WHERE line.committee_id IS NOT NULL
"""
RESERVED_UNDECIDED = """
WITH reopened AS (
    UPDATE grants.financing_lines AS line
    SET decision = NULL, decided_cents = NULL, decided_on = NULL
    FROM grants.applications AS application
    WHERE application.application_id = line.application_id
      AND application.state = 'decided'
      AND line.opinion = 'reserved' AND line.decision = 'granted'
      AND line.committee_id IS NOT NULL AND line.decision_act_kind IS NULL AND line.decided_on IS NULL
      AND EXISTS (
          SELECT 1 FROM grants.application_events AS event
          WHERE event.application_id = application.application_id AND event.transition = 'decide'
            AND event.reason LIKE 'comité des financeurs du %'
      )
    RETURNING line.application_id
),
moved AS (
    UPDATE grants.applications AS application
    SET state = 'proposed', outcome = NULL, version = version + 1
    WHERE application.application_id IN (SELECT application_id FROM reopened)
    RETURNING application.application_id
)
INSERT INTO grants.application_events
    (event_id, application_id, at, actor, actor_institution, transition, from_state, to_state, reason)
SELECT gen_random_uuid(), application_id, clock_timestamp(), 'migration gran0023', NULL,
       'reopen', 'decided', 'proposed',
       'a reserved line was granted by the comité, not by its financer: it awaits that financer''s decision'
FROM moved
"""
LETTERS = """
UPDATE grants.applications AS application
SET notified_on = (
    SELECT CAST(timezone('UTC', max(event.at)) AS date) FROM grants.application_events AS event
    WHERE event.application_id = application.application_id AND event.transition = 'notify'
)
WHERE application.state = 'notified' AND application.notified_on IS NULL
"""


def upgrade() -> None:
    for statement in (PROPOSALS, AMOUNTS, RESERVED_UNDECIDED, LETTERS):
        op.execute(statement)


def downgrade() -> None:
    """The proposals and letters' dates stay (the columns go with gran0022's downgrade); undecided lines
    are not decided again by the comité."""
