"""Which event each audited action of participation publishes (or why none), and where each record's
contract and body are read: the catalogue the ledger applies to every write (kit/outbox.py). Events name
bodies and their records, never a person: what concerns people is silent (GDPR art. 5(1)(c), minimisation)."""

from __future__ import annotations

from kit.outbox import EventCatalogue, EventType, Silent, SubjectSource

BODY_CHANGED = EventType("body.changed")
MEETING_CHANGED = EventType("meeting.changed")
FUND_APPLICATION_CHANGED = EventType("fund_application.state_changed")

EVENTS: dict[str, EventType] = {
    "body.created": EventType("body.created"),
    "body.changed": BODY_CHANGED,
    "body.themes_set": BODY_CHANGED,
    "body_rules.versioned": BODY_CHANGED,
    "meeting.convened": EventType("meeting.convened"),
    "meeting.attendance_recorded": EventType("meeting.held"),
    "meeting.decision_recorded": MEETING_CHANGED,
    "meeting.minutes_written": MEETING_CHANGED,
    "meeting.minutes_adopted": EventType("meeting.minutes_adopted"),
    "referral.made": EventType("referral.made"),
    "opinion.adopted": EventType("opinion.adopted"),
    "opinion.answered": EventType("opinion.answered"),
    "commitment.made": EventType("commitment.made"),
    "commitment.followed_up": EventType("commitment.updated"),
    "mandate.given": EventType("mandate.given"),
    "mandate.ended": EventType("mandate.ended"),
    "draw.opened": EventType("draw.opened"),
    "draw.performed": EventType("draw.performed"),
    "draw.appointed": EventType("draw.appointed"),
    "draw.replacement": EventType("draw.appointed"),
    "election.recorded": EventType("election.recorded"),
    "election.tally_corrected": EventType("election.changed"),
    "election.proclaimed": EventType("election.proclaimed"),
    "consultation.opened": EventType("consultation.opened"),
    "consultation.answers_synced": EventType("consultation.answers_synced"),
    "citizen_fund.opened": EventType("citizen_fund.opened"),
    "fund_application.submitted": EventType("fund_application.submitted"),
    "fund_application.decided": FUND_APPLICATION_CHANGED,
    "fund_application.paid": FUND_APPLICATION_CHANGED,
    "fund_application.reported": FUND_APPLICATION_CHANGED,
}
PERSON = Silent("about a person: partners follow bodies and their records, never people (GDPR minimisation)")
SILENT: dict[str, Silent] = {
    "person.registered": PERSON,
    "person.consent_recorded": PERSON,
    "person.independence_declared": PERSON,
    "fund_application.conflict_declared": PERSON,
    "personal_data.read": PERSON,
    "personal_data.exported": PERSON,
    "personal_data.erased": PERSON,
    "personal_data.deleted": PERSON,
    "retention.applied": Silent("a run of the retention rules: what it deleted is about people (see above)"),
}
BODY = {"body_id": "bodyId"}
SUBJECTS: dict[str, SubjectSource] = {
    "body": SubjectSource("bodies", ("body_id",), related=BODY),
    "meeting": SubjectSource("meetings", ("meeting_id",), related=BODY),
    "referral": SubjectSource("referrals", ("referral_id",), related={"to_body_id": "bodyId"}),
    "opinion": SubjectSource("opinions", ("opinion_id",), related=BODY),
    "commitment": SubjectSource(
        "commitments",
        ("commitment_id",),
        contract=None,
        related={"opinion_id": "opinionId"},
        parent=("opinion", "opinion_id"),
    ),
    "mandate": SubjectSource("mandates", ("mandate_id",), contract=None, related=BODY, parent=("body", "body_id")),
    "draw": SubjectSource("draws", ("draw_id",), related=BODY),
    "election": SubjectSource("elections", ("election_id",), related=BODY),
    "consultation": SubjectSource("consultations", ("consultation_id",)),
    "citizen_fund": SubjectSource("citizen_funds", ("fund_id",), related={"committee_body_id": "bodyId"}),
    "fund_application": SubjectSource(
        "fund_applications", ("application_id",), contract=None, parent=("citizen_fund", "fund_id")
    ),
}
CATALOGUE = EventCatalogue(EVENTS, SILENT, SUBJECTS)
