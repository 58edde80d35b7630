"""The demo's rows: the CUA's bodies named in the contract, with FICTITIOUS members, meetings and opinions,
built from the demo's spec (`data/cua_demo.json`), and their insertion. Rows of several features, as a
fixture is: the demo writes what the features' own writes would have written.

Identifiers are derived from names (UUID v5) so that a second load finds the first and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from services.participation.bodies.models import BodyRow
from services.participation.consultations.models import (
    ConsultationAnswerRow,
    ConsultationContactRow,
    ConsultationRow,
)
from services.participation.meetings.models import AttendanceRow, MeetingRow
from services.participation.members.models import BodyRulesRow, MandateRow, PersonIdentityRow, PersonRow
from services.participation.opinions.domain import add_months
from services.participation.opinions.models import CommitmentRow, OpinionRow, ReferralRow
from services.participation.persistence import SessionRepository

NAMESPACE = uuid.UUID("6f1d52a4-3c55-4a43-9a57-0c5d1e0b7a21")
AGE_BANDS = ("16-25", "26-59", "60+")
ANSWERS = (
    ("accepted", None),
    ("partially_accepted", "Retenu pour la partie éclairage; le reste relève du budget de l'année suivante."),
    ("rejected", "Hors des compétences des signataires du contrat; transmis pour information au bailleur."),
    (None, None),
)


INSERT_ORDER: tuple[type[Any], ...] = (
    BodyRow,
    BodyRulesRow,
    PersonRow,
    PersonIdentityRow,
    MandateRow,
    MeetingRow,
    AttendanceRow,
    ReferralRow,
    OpinionRow,
    CommitmentRow,
    ConsultationRow,
    ConsultationAnswerRow,
    ConsultationContactRow,
)
DemoLine = tuple[uuid.UUID, str, str, str | None]  # person, capacity, presence, institution


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "|".join(str(part) for part in parts))


class DemoRows:
    """The demo's rows and what they count, built from the spec by `build`."""

    def __init__(self, spec: dict[str, Any], now: datetime) -> None:
        self.spec = spec
        self.contract: str = spec["contractCode"]
        self.rows: list[Any] = []
        self.bodies = {item["key"]: _id("body", item["key"]) for item in spec["bodies"]}
        self.people = 0
        self.meetings = 0
        self.opinions = 0
        self.now = now  # what the rows' created_at say

    def person(self, key: str, gender: str, age_band: str, kind: str, in_qpv: bool) -> uuid.UUID:
        person_id = _id("person", key)
        self.rows.append(
            PersonRow(
                person_id=person_id,
                contract_code=self.contract,
                gender=gender,
                age_band=age_band,
                member_kind=kind,
                resident_in_qpv=in_qpv,
                fictitious=True,
                created_at=self.now,
            )
        )
        self.rows.append(
            PersonIdentityRow(person_id=person_id, family_name="Fictif", given_name=f"Démo {key}", contact=None)
        )
        self.people += 1
        return person_id

    def mandate(self, body: str, person_id: uuid.UUID, starts_on: date, ends_on: date | None) -> None:
        self.rows.append(
            MandateRow(
                mandate_id=_id("mandate", body, person_id),
                body_id=self.bodies[body],
                person_id=person_id,
                role="member",
                college="residents",
                starts_on=starts_on,
                ends_on=ends_on,
                created_at=self.now,
            )
        )

    def meeting(
        self, body: str, day: date, title: str, lines: list[tuple[uuid.UUID, str, str, str | None]]
    ) -> uuid.UUID:
        meeting_id = _id("meeting", body, day)
        self.rows.append(
            MeetingRow(
                meeting_id=meeting_id,
                body_id=self.bodies[body],
                contract_code=self.contract,
                title=title,
                meeting_day=day,
                place=None,
                convened_on=date.fromordinal(day.toordinal() - 15),
                agenda=[title],
                created_at=self.now,
            )
        )
        for person_id, capacity, presence, institution in lines:
            self.rows.append(
                AttendanceRow(
                    meeting_id=meeting_id,
                    person_id=person_id,
                    capacity=capacity,
                    presence=presence,
                    institution=institution,
                    proxy_to=None,
                )
            )
        self.meetings += 1
        return meeting_id

    def build(self) -> None:
        for item in self.spec["bodies"]:
            self.rows.append(
                BodyRow(
                    body_id=self.bodies[item["key"]],
                    contract_code=self.contract,
                    name=item["name"],
                    kind=item["kind"],
                    participation_level=item["level"],
                    qpv_codes=item["qpvCodes"],
                    commune_codes=item.get("communeCodes", []),
                    status=item.get("status", "active"),
                    recognition_act=item.get("recognitionAct"),
                    established_on=_day(item.get("establishedOn")),
                    dissolved_on=_day(item.get("dissolvedOn")),
                    version=1,
                )
            )
        self.former_councils()
        self.commissions()
        self.consultation()

    def consultation(self) -> None:
        spec = self.spec["consultation"]
        consultation_id = _id("consultation", spec["title"])
        self.rows.append(
            ConsultationRow(
                consultation_id=consultation_id,
                contract_code=self.contract,
                title=spec["title"],
                starts_on=date.fromisoformat(spec["startsOn"]),
                ends_on=date.fromisoformat(spec["endsOn"]),
                questions=spec["questions"],
                territory_questions=spec["territoryQuestions"],
                target_interviews=spec["targets"]["interviews"],
                target_events=spec["targets"]["events"],
                target_neighbourhoods=spec["targets"]["neighbourhoods"],
                created_at=self.now,
            )
        )
        # Fictitious answers to the contract's questions: the open ones in a few words, the consent question
        # « oui » one time in three, and then a fictitious contact, kept apart from the answer (no link).
        for number in range(spec["interviews"]):
            event, neighbourhood = spec["events"][number % len(spec["events"])]
            qpv_code = spec["eventQpv"].get(neighbourhood)
            captured_on = date(2023, 7 + number % 2, 1 + number % 28)
            answers = {question["code"]: "Réponse fictive de démonstration." for question in spec["questions"]}
            answers["recontact"] = "oui" if number % 3 == 0 else "non"
            if qpv_code is not None:
                answers |= {item["code"]: "Réponse fictive." for item in spec["territoryQuestions"][qpv_code]}
            self.rows.append(
                ConsultationAnswerRow(
                    consultation_id=consultation_id,
                    client_id=_id("interview", number),
                    captured_on=captured_on,
                    qpv_code=qpv_code,
                    neighbourhood=neighbourhood,
                    event=event,
                    answers=answers,
                )
            )
            if answers["recontact"] == "oui":
                self.rows.append(
                    ConsultationContactRow(
                        consultation_id=consultation_id,
                        contact_client_id=_id("contact", number),
                        contact=f"contact-fictif-{number}@example.org",
                        consent_text=spec["consentText"],
                        consented_on=captured_on,
                    )
                )

    def former_councils(self) -> None:
        spec = self.spec["formerCouncils"]
        counts = {int(year): count for year, count in spec["membersOnYearEnd"].items()}
        starts_on, last_day = date.fromisoformat(spec["startsOn"]), date.fromisoformat(spec["endsOn"])
        # Everyone counted at the first year's end; in each later year the contract gives a count for, those
        # beyond it leave mid-year: the years between keep the last count given (no figure is invented).
        years = sorted(counts)
        departures = {
            position: date(year, 6, 30)
            for earlier, year in pairwise(years)
            for position in range(counts[year], counts[earlier])
        }
        for position in range(max(counts.values())):
            body = spec["bodies"][position % len(spec["bodies"])]
            gender = "f" if position % 2 else "m"
            person_id = self.person(f"cc2015-{position}", gender, "60+" if position % 3 else "26-59", "resident", True)
            self.mandate(body, person_id, starts_on, departures.get(position, last_day))

    def commissions(self) -> None:
        spec = self.spec["commissions"]
        starts_on = date.fromisoformat(spec["startsOn"])
        institutions: list[str] = self.spec["institutions"]
        representatives = [
            self.person(f"representative-{index}", "f" if index % 2 else "m", "26-59", "institution", False)
            for index in range(len(institutions))
        ]
        copil = spec["opinionsTo"]
        for year, days in self.spec["copilMeetings"].items():
            for day in days:
                copil_lines: list[DemoLine] = [
                    (person_id, "representative", "present", institution)
                    for person_id, institution in zip(representatives, institutions, strict=True)
                ]
                self.meeting(copil, date.fromisoformat(day), f"Comité de pilotage {year}", copil_lines)
        for body_index, body in enumerate(spec["bodies"]):
            members = []
            for position in range(spec["membersEach"]):
                kind = "local_actor" if position >= spec["membersEach"] - 2 else "resident"
                members.append(
                    self.person(
                        f"{body}-{position}",
                        "f" if position % 2 == 0 else "m",
                        AGE_BANDS[position % len(AGE_BANDS)],
                        kind,
                        kind == "resident",
                    )
                )
                self.mandate(body, members[-1], starts_on, None)
            self.rows.append(
                BodyRulesRow(
                    body_id=self.bodies[body],
                    version=1,
                    parity=True,
                    residents_min_share=0.5,
                    size_max=15,
                    mandate_years=None,
                    forbidden_member_kinds=["elected"],
                    quorum_share=None,
                    notice_days=7,
                    created_by="demo",
                    created_at=self.now,
                )
            )
            technician = representatives[1 + body_index % (len(representatives) - 1)]
            for year, count in spec["meetingsPerYear"].items():
                first_month = starts_on.month if int(year) == starts_on.year else 1
                for number in range(count):
                    day = date(int(year), min(12, first_month + number * 3), 12)
                    present = members[: 5 + (number + body_index) % 3]
                    lines: list[DemoLine] = [(person_id, "member", "present", None) for person_id in present]
                    lines += [(person_id, "member", "excused", None) for person_id in members[len(present) :]]
                    lines.append((technician, "technician", "present", institutions[1 + body_index % 8]))
                    meeting_id = self.meeting(body, day, f"Séance {number + 1} {year}", lines)
                    if number == 0:
                        self.opinion(body, body_index + int(year), meeting_id, day, copil)
            self.annual_report_referral(body, body_index, copil)

    def opinion(self, body: str, variant: int, meeting_id: uuid.UUID, day: date, copil: str) -> None:
        outcome, reason = ANSWERS[variant % len(ANSWERS)]
        opinion_id = _id("opinion", body, day)
        self.rows.append(
            OpinionRow(
                opinion_id=opinion_id,
                body_id=self.bodies[body],
                contract_code=self.contract,
                kind="proposal" if variant % 2 else "opinion",
                title=f"Avis de la séance du {day.isoformat()} (démo)",
                text="Texte fictif de démonstration: demandes des habitants sur le cadre de vie du quartier.",
                adopted_on=day,
                meeting_id=meeting_id,
                referral_id=None,
                addressed_to_body_id=self.bodies[copil],
                outcome=outcome,
                reason=reason,
                redirected_to=None,
                responded_on=None if outcome is None else add_months(day, 1),
                responded_by=None if outcome is None else "demo",
                version=1 if outcome is None else 2,
            )
        )
        if outcome in ("accepted", "partially_accepted"):
            self.rows.append(
                CommitmentRow(
                    commitment_id=_id("commitment", opinion_id),
                    opinion_id=opinion_id,
                    description="Engagement fictif de démonstration",
                    owner="Communauté Urbaine d'Arras",
                    due_on=add_months(day, 6),
                    status="in_progress",
                    status_on=add_months(day, 2),
                )
            )
        self.opinions += 1

    def annual_report_referral(self, body: str, body_index: int, copil: str) -> None:
        referral_id = _id("referral", body, 2025)
        asked_on, due_on = date(2025, 3, 15), date(2025, 4, 30)
        self.rows.append(
            ReferralRow(
                referral_id=referral_id,
                contract_code=self.contract,
                from_body_id=self.bodies[copil],
                to_body_id=self.bodies[body],
                kind="annual_report",
                subject="Rapport annuel 2024 du contrat de ville",
                asked_on=asked_on,
                due_on=due_on,
                created_at=self.now,
            )
        )
        if body_index % 2 == 0:  # some answer in time; the others are deemed favourable
            answered_on = date(2025, 4, 20)
            self.rows.append(
                OpinionRow(
                    opinion_id=_id("opinion", "annual-report", body),
                    body_id=self.bodies[body],
                    contract_code=self.contract,
                    kind="opinion",
                    title="Avis sur le rapport annuel 2024 (démo)",
                    text="Avis fictif de démonstration sur le rapport annuel.",
                    adopted_on=answered_on,
                    meeting_id=None,
                    referral_id=referral_id,
                    addressed_to_body_id=self.bodies[copil],
                    outcome="noted",
                    reason=None,
                    redirected_to=None,
                    responded_on=date(2025, 6, 24),
                    responded_by="demo",
                    version=2,
                )
            )
            self.opinions += 1


class DemoRepository(SessionRepository):
    async def loaded(self, demo: DemoRows) -> bool:
        """Whether the demo was loaded already: its first body is there."""
        return await self.session.get(BodyRow, demo.bodies[demo.spec["bodies"][0]["key"]]) is not None

    async def insert(self, demo: DemoRows) -> None:
        for table in INSERT_ORDER:  # referenced rows first: the models declare no relationships to order by
            await self.add(*(row for row in demo.rows if isinstance(row, table)))
