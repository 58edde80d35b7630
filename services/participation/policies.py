"""Who may call each participation operation at all. The route checks the policy; the features' domains then
decide on the record itself (its contract, the caller's bodies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.principal import JOBS_SCOPE, Principal, Role
from kit.auth.policies import Policy, authorize, public_policy

READS = frozenset({"participation:read"})
WRITES = frozenset({"participation:write"})

# The role sets, each named once.
PILOTS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT})
BODY_RUNNERS = PILOTS | {Role.BODY_FACILITATOR}  # a body's facilitators run its members, meetings and draws
TERRITORY_MANAGERS = PILOTS | {Role.COMMUNE}  # a commune sets up the bodies and campaigns of its territory
FIELD_TEAMS = BODY_RUNNERS | TERRITORY_MANAGERS

READ_BODIES = Policy(name="read-bodies", scopes=READS)
MANAGE_BODIES = Policy(name="manage-bodies", scopes=WRITES, roles=TERRITORY_MANAGERS)
MANAGE_MEMBERS = Policy(name="manage-members", scopes=WRITES, roles=BODY_RUNNERS)
PEOPLE_DATA = Policy(name="people-personal-data", scopes=WRITES, roles=PILOTS)
RUN_DRAWS = Policy(name="run-draws", scopes=WRITES, roles=BODY_RUNNERS)
READ_DRAWN = Policy(name="read-drawn-people", scopes=READS, roles=BODY_RUNNERS)
# A body's composition on any day is its runners' (who know its members): compared from one day to the next,
# it told any reader the gender and residence of the one member who joined in between.
READ_COMPOSITION = Policy(name="read-body-composition", scopes=READS, roles=BODY_RUNNERS)
PUBLISHED_DRAW = public_policy("published-draw")
RUN_MEETINGS = Policy(name="run-meetings", scopes=WRITES, roles=BODY_RUNNERS)
ADOPT_OPINIONS = Policy(name="adopt-opinions", scopes=WRITES, roles=BODY_RUNNERS)
GOVERN = Policy(name="governance-answers", scopes=WRITES, roles=PILOTS)
PUBLIC_PAGE = public_policy("public-body-page")
RUN_CONSULTATIONS = Policy(name="run-consultations", scopes=WRITES, roles=FIELD_TEAMS)
CONSULTATION_CONTACTS = Policy(name="consultation-contacts", scopes=WRITES, roles=PILOTS)
RUN_FUNDS = Policy(name="run-citizen-funds", scopes=WRITES, roles=BODY_RUNNERS)
# The internal routes the gateway's scheduled jobs call, with the token it mints for itself alone.
SCHEDULED_JOBS = Policy(name="scheduled-jobs", scopes=frozenset({JOBS_SCOPE}))

# The caller each policy lets in, as a route's parameter.
Reader = Annotated[Principal, Depends(authorize(READ_BODIES))]
BodyManager = Annotated[Principal, Depends(authorize(MANAGE_BODIES))]
MemberManager = Annotated[Principal, Depends(authorize(MANAGE_MEMBERS))]
PersonalDataHandler = Annotated[Principal, Depends(authorize(PEOPLE_DATA))]
DrawRunner = Annotated[Principal, Depends(authorize(RUN_DRAWS))]
DrawnReader = Annotated[Principal, Depends(authorize(READ_DRAWN))]
CompositionReader = Annotated[Principal, Depends(authorize(READ_COMPOSITION))]
MeetingRunner = Annotated[Principal, Depends(authorize(RUN_MEETINGS))]
OpinionAdopter = Annotated[Principal, Depends(authorize(ADOPT_OPINIONS))]
Governance = Annotated[Principal, Depends(authorize(GOVERN))]
CampaignRunner = Annotated[Principal, Depends(authorize(RUN_CONSULTATIONS))]
ContactReader = Annotated[Principal, Depends(authorize(CONSULTATION_CONTACTS))]
FundRunner = Annotated[Principal, Depends(authorize(RUN_FUNDS))]
Scheduler = Annotated[Principal, Depends(authorize(SCHEDULED_JOBS))]
