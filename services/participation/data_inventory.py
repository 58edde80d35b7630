"""What personal data each column of this service holds, and how long it stays.

Every column is classified here; `tests/participation/test_data_inventory.py` fails when a column is
added without a class, so no personal column slips in unnoticed (RGPD art. 30, record of processing).
"""

from __future__ import annotations

from enum import StrEnum


class DataClass(StrEnum):
    IDENTITY = "identity"  # names and contacts in the clear: kept apart, erased on request or by retention
    PSEUDONYMOUS = "pseudonymous"  # about a person through an id (gender, age band, presence…)
    STAFF_REFERENCE = "staff_reference"  # the subject of the agent or client who acted
    FREE_TEXT = "free_text"  # written by people: may name someone, never shown to the public unless adopted
    NOT_PERSONAL = "not_personal"


def _table(
    *, identity: str = "", pseudonymous: str = "", staff: str = "", free_text: str = "", other: str = ""
) -> dict[str, DataClass]:
    """A table's columns by class: each argument lists the columns of one class, separated by spaces."""
    classes = (
        (identity, DataClass.IDENTITY),
        (pseudonymous, DataClass.PSEUDONYMOUS),
        (staff, DataClass.STAFF_REFERENCE),
        (free_text, DataClass.FREE_TEXT),
        (other, DataClass.NOT_PERSONAL),
    )
    return {column: data_class for columns, data_class in classes for column in columns.split()}


INVENTORY: dict[str, dict[str, DataClass]] = {
    "audit_events": _table(
        pseudonymous="entity_id before after",
        staff="actor_subject",
        free_text="reason",
        other="audit_event_id occurred_at actor_kind actor_institution action entity_type request_id idempotency_key",
    ),
    "idempotency_keys": _table(
        pseudonymous="response_body",
        staff="owner",
        other="key operation fingerprint response_status response_headers created_at expires_at",
    ),
    # Events name records, never people: person-related actions publish none (event_catalogue.py).
    "outbox_events": _table(
        other="position transaction_id event_id event_type schema_version occurred_at contract_code resource_type"
        " resource_id etag related"
    ),
    "bodies": _table(
        other="body_id contract_code name kind participation_level qpv_codes commune_codes status recognition_act"
        " established_on dissolved_on version created_at updated_at item"
    ),
    "body_rules": _table(
        staff="created_by",
        other="body_id version parity residents_min_share size_max mandate_years forbidden_member_kinds quorum_share"
        " notice_days college_seats representation_seats created_at",
    ),
    "body_themes": _table(other="body_id theme declared_level observed_level"),
    "people": _table(
        pseudonymous="person_id gender age_band member_kind resident_in_qpv",
        other="contract_code fictitious created_at",
    ),
    "person_identities": _table(identity="family_name given_name contact", pseudonymous="person_id"),
    "mandates": _table(
        pseudonymous="person_id role college starts_on ends_on end_reason drawn_reference",
        other="mandate_id body_id represented_organisation represented_body_id substitute_for replaces draw_id"
        " created_at",
    ),
    "person_consents": _table(pseudonymous="person_id purpose given recorded_on", other="consent_id wording"),
    "independence_declarations": _table(
        pseudonymous="person_id declared_on independent", free_text="interests", other="declaration_id body_id"
    ),
    "draws": _table(
        pseudonymous="titulars reserves",
        other="draw_id body_id contract_code seats pool_hash commitment seed result_hash status challenge_ends_on"
        " appointed_on created_at",
    ),
    "draw_candidates": _table(pseudonymous="reference gender age_band in_qpv household", other="draw_id"),
    "draw_identities": _table(identity="family_name given_name contact", pseudonymous="reference", other="draw_id"),
    "meetings": _table(
        other="meeting_id body_id contract_code title meeting_day place convened_on agenda created_at version item"
    ),
    "attendances": _table(pseudonymous="person_id capacity presence proxy_to", other="meeting_id institution"),
    "decisions": _table(
        other="decision_id meeting_id subject votes_for votes_against abstentions voters quorum adopted created_at"
    ),
    "minutes": _table(staff="written_by", free_text="text", other="meeting_id version adopted_on created_at"),
    "referrals": _table(
        other="referral_id contract_code from_body_id to_body_id kind subject asked_on due_on created_at"
    ),
    "opinions": _table(
        staff="responded_by",
        free_text="title text reason",
        other="opinion_id body_id contract_code kind adopted_on meeting_id referral_id addressed_to_body_id outcome"
        " redirected_to responded_on version created_at",
    ),
    "commitments": _table(
        free_text="description", other="commitment_id opinion_id owner due_on status status_on created_at"
    ),
    "consultations": _table(
        other="consultation_id contract_code title starts_on ends_on questions territory_questions target_interviews"
        " target_events target_neighbourhoods created_at"
    ),
    # Anonymous by design: no identity and nothing linking an answer to a contact; free text may still
    # name someone, so answers are only ever published as counts.
    "consultation_answers": _table(
        free_text="answers", other="consultation_id client_id captured_on qpv_code neighbourhood event created_at"
    ),
    "consultation_contacts": _table(
        identity="contact", other="consultation_id contact_client_id consent_text consented_on"
    ),
    "citizen_funds": _table(other="fund_id contract_code name year envelope_cents committee_body_id created_at"),
    "fund_applications": _table(
        free_text="description report",
        other="application_id fund_id title group_name qpv_codes requested_cents status granted_cents decided_on votes"
        " paid_cents paid_on spent_cents participants reported_on version created_at",
    ),
    "fund_conflicts": _table(pseudonymous="person_id declared_on", other="application_id"),
    "elections": _table(
        pseudonymous="tie_break",
        other="election_id body_id contract_code held_on seats college proclaimed_on created_at",
    ),
    "election_tallies": _table(pseudonymous="person_id votes elected", other="election_id"),
    "election_corrections": _table(
        pseudonymous="person_id votes_before votes_after",
        staff="corrected_by",
        free_text="reason",
        other="correction_id election_id corrected_at",
    ),
}

# RGPD art. 5.1.e: personal data kept no longer than its purpose needs; art. 17: erased on request.
RETENTION: dict[str, str] = {
    "person_identities": "erased on the person's request, or 3 years after their last mandate ended (apply-retention)",
    "consultation_contacts": "deleted a year after the campaign ends (apply-retention)",
    "draw_identities": "deleted once the draw's challenge period is over (apply-retention, or the purge endpoint)",
}
