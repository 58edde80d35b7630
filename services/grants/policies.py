"""Who may call the grants routes."""

from __future__ import annotations

from collections.abc import Iterable

from identity.principal import JOBS_SCOPE, Role
from kit.auth.policies import Policy, public_policy
from services.grants.roles import ADMIN_AND_OPERATOR, FINANCERS, INSTRUCTORS, PILOTS, SIGNATORY_USERS

READ = frozenset({"grants:read"})
WRITE = frozenset({"grants:write"})


def _writing(name: str, roles: Iterable[Role]) -> Policy:
    return Policy(name=name, scopes=WRITE, roles=frozenset(roles))


def _reading(name: str, roles: Iterable[Role]) -> Policy:
    return Policy(name=name, scopes=READ, roles=frozenset(roles))


READ_GRANTS = Policy(name="read-grants", scopes=READ)
PILOT_CONTRACT = _writing("pilot-contract", PILOTS)
REGISTER_OPERATORS = _writing("register-operators", INSTRUCTORS)
EDIT_OPERATOR = _writing("edit-operator", INSTRUCTORS | {Role.OPERATOR})
MANAGE_CONVENTIONS = _writing("manage-conventions", FINANCERS)
PAY = _writing("plan-and-pay", FINANCERS)
REPORT = _writing("report", ADMIN_AND_OPERATOR)
REVIEW_REPORTS = _writing("review-reports", INSTRUCTORS)
WRITE_APPLICATIONS = _writing("write-applications", INSTRUCTORS | {Role.OPERATOR})
INSTRUCT = _writing("instruct-applications", FINANCERS | {Role.OPERATOR})
ANNOTATE = _writing("annotate-applications", FINANCERS)
# Each financer decides its own line (the domain checks the caller speaks for that financer).
DECIDE_LINES = _writing("decide-own-line", FINANCERS)
# An institution's private notes and marks: read by the institution that wrote them. Auditors write none,
# so the policy does not promise them any (it once did, and they read those of the institution their
# token named).
READ_ANNOTATIONS = _reading("read-own-annotations", FINANCERS)
PROGRAMME = _writing("programme-call", INSTRUCTORS)
READ_CALLS = Policy(name="read-calls", scopes=READ)
MANAGE_CALLS = _writing("manage-calls", INSTRUCTORS)
WRITE_INDICATORS = _writing("write-indicators", FINANCERS | {Role.OPERATOR})
EXCHANGE_FILES = _writing("exchange-files", INSTRUCTORS)
READ_EXPORTS = _reading("read-exports", FINANCERS)
EVALUATE = _reading("evaluate", FINANCERS)
# A signatory's own users write its engagement sheet (the domain checks whose: a commune, a co-financer, an
# association signatory such as BGE); the pilots write any.
EDIT_ENGAGEMENTS = _writing("edit-engagement-sheets", SIGNATORY_USERS)
OPEN_DATA = public_policy("open-data")
# The internal routes the gateway's scheduled jobs call, with the token it mints for itself alone.
SCHEDULED_JOBS = Policy(name="scheduled-jobs", scopes=frozenset({JOBS_SCOPE}))
