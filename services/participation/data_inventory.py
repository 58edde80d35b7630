"""What personal data each column of this service holds, and how long it stays.

Every column is classified here; `tests/participation/test_data_inventory.py` fails when a column is
added without a class, so no personal column slips in unnoticed (GDPR art. 30 record of processing).
"""

from __future__ import annotations

from enum import StrEnum


class DataClass(StrEnum):
    IDENTITY = "identity"  # names and contacts in the clear: kept apart, erased on request or by retention
    PSEUDONYMOUS = "pseudonymous"  # about a person through an id (gender, age band, presence…)
    STAFF_REFERENCE = "staff_reference"  # the subject of the agent or client who acted
    FREE_TEXT = "free_text"  # written by people: may name someone, never shown to the public unless adopted
    NOT_PERSONAL = "not_personal"


ID, P, S, T, N = (
    DataClass.IDENTITY,
    DataClass.PSEUDONYMOUS,
    DataClass.STAFF_REFERENCE,
    DataClass.FREE_TEXT,
    DataClass.NOT_PERSONAL,
)


def _table(**columns: DataClass) -> dict[str, DataClass]:
    return columns


INVENTORY: dict[str, dict[str, DataClass]] = {
    "audit_events": _table(
        audit_event_id=N,
        occurred_at=N,
        actor_subject=S,
        actor_kind=N,
        actor_institution=N,
        action=N,
        entity_type=N,
        entity_id=P,
        before=P,
        after=P,
        reason=T,
        request_id=N,
        idempotency_key=N,
    ),
    "idempotency_keys": _table(
        owner=S,
        key=N,
        operation=N,
        fingerprint=N,
        response_status=N,
        response_headers=N,
        response_body=P,
        created_at=N,
        expires_at=N,
    ),
    "bodies": _table(
        body_id=N,
        contract_code=N,
        name=N,
        kind=N,
        participation_level=N,
        qpv_codes=N,
        commune_codes=N,
        status=N,
        recognition_act=N,
        version=N,
        created_at=N,
        updated_at=N,
    ),
    "body_rules": _table(
        body_id=N,
        version=N,
        parity=N,
        residents_min_share=N,
        size_max=N,
        mandate_years=N,
        forbidden_member_kinds=N,
        quorum_share=N,
        notice_days=N,
        college_seats=N,
        representation_seats=N,
        created_by=S,
        created_at=N,
    ),
    "people": _table(
        person_id=P,
        contract_code=N,
        gender=P,
        age_band=P,
        member_kind=P,
        resident_in_qpv=P,
        fictitious=N,
        created_at=N,
    ),
    "person_identities": _table(person_id=P, family_name=ID, given_name=ID, contact=ID),
    "mandates": _table(
        mandate_id=N,
        body_id=N,
        person_id=P,
        role=P,
        college=P,
        starts_on=P,
        ends_on=P,
        end_reason=P,
        represented_organisation=N,
        represented_body_id=N,
        substitute_for=N,
        replaces=N,
        draw_id=N,
        drawn_reference=P,
        created_at=N,
    ),
    "draws": _table(
        draw_id=N,
        body_id=N,
        contract_code=N,
        seats=N,
        pool_hash=N,
        commitment=N,
        seed=N,
        titulars=P,
        reserves=P,
        result_hash=N,
        status=N,
        challenge_ends_on=N,
        appointed_on=N,
        created_at=N,
    ),
    "draw_candidates": _table(draw_id=N, reference=P, gender=P, age_band=P, in_qpv=P, household=P),
    "draw_identities": _table(draw_id=N, reference=P, family_name=ID, given_name=ID, contact=ID),
    "meetings": _table(
        meeting_id=N,
        body_id=N,
        contract_code=N,
        title=N,
        meeting_day=N,
        place=N,
        convened_on=N,
        agenda=N,
        created_at=N,
        version=N,
    ),
    "attendances": _table(meeting_id=N, person_id=P, capacity=P, presence=P, institution=N, proxy_to=P),
    "decisions": _table(
        decision_id=N,
        meeting_id=N,
        subject=N,
        votes_for=N,
        votes_against=N,
        abstentions=N,
        voters=N,
        quorum=N,
        adopted=N,
        created_at=N,
    ),
    "minutes": _table(meeting_id=N, version=N, text=T, written_by=S, adopted_on=N, created_at=N),
    "referrals": _table(
        referral_id=N,
        contract_code=N,
        from_body_id=N,
        to_body_id=N,
        kind=N,
        subject=N,
        asked_on=N,
        due_on=N,
        created_at=N,
    ),
    "opinions": _table(
        opinion_id=N,
        body_id=N,
        contract_code=N,
        kind=N,
        title=T,
        text=T,
        adopted_on=N,
        meeting_id=N,
        referral_id=N,
        addressed_to_body_id=N,
        outcome=N,
        reason=T,
        redirected_to=N,
        responded_on=N,
        responded_by=S,
        version=N,
        created_at=N,
    ),
    "commitments": _table(
        commitment_id=N, opinion_id=N, description=T, owner=N, due_on=N, status=N, status_on=N, created_at=N
    ),
    "consultations": _table(
        consultation_id=N,
        contract_code=N,
        title=N,
        starts_on=N,
        ends_on=N,
        questions=N,
        territory_questions=N,
        target_interviews=N,
        target_events=N,
        target_neighbourhoods=N,
        created_at=N,
    ),
    # Anonymous by design: no identity and nothing linking an answer to a contact; free text may still
    # name someone, so answers are only ever published as counts.
    "consultation_answers": _table(
        consultation_id=N, client_id=N, captured_on=N, qpv_code=N, neighbourhood=N, event=N, answers=T, created_at=N
    ),
    "consultation_contacts": _table(consultation_id=N, contact_client_id=N, contact=ID, consent_text=N, consented_on=N),
    "citizen_funds": _table(
        fund_id=N, contract_code=N, name=N, year=N, envelope_cents=N, committee_body_id=N, created_at=N
    ),
    "fund_applications": _table(
        application_id=N,
        fund_id=N,
        title=N,
        group_name=N,
        description=T,
        qpv_codes=N,
        requested_cents=N,
        status=N,
        granted_cents=N,
        decided_on=N,
        votes=N,
        paid_cents=N,
        paid_on=N,
        spent_cents=N,
        participants=N,
        report=T,
        reported_on=N,
        version=N,
        created_at=N,
    ),
    "fund_conflicts": _table(application_id=N, person_id=P, declared_on=P),
    "elections": _table(
        election_id=N,
        body_id=N,
        contract_code=N,
        held_on=N,
        seats=N,
        college=N,
        proclaimed_on=N,
        tie_break=P,
        created_at=N,
    ),
    "election_tallies": _table(election_id=N, person_id=P, votes=P, elected=P),
    "election_corrections": _table(
        correction_id=N,
        election_id=N,
        person_id=P,
        votes_before=P,
        votes_after=P,
        reason=T,
        corrected_by=S,
        corrected_at=N,
    ),
    "person_consents": _table(consent_id=N, person_id=P, purpose=P, given=P, recorded_on=P, wording=N),
    "independence_declarations": _table(
        declaration_id=N, person_id=P, body_id=N, declared_on=P, independent=P, interests=T
    ),
    "body_themes": _table(body_id=N, theme=N, declared_level=N, observed_level=N),
}

RETENTION: dict[str, str] = {
    "person_identities": "erased on the person's request, or 3 years after their last mandate ended (apply-retention)",
    "consultation_contacts": "deleted a year after the campaign ends (apply-retention)",
    "draw_identities": "deleted once the draw's challenge period is over (apply-retention, or the purge endpoint)",
}
