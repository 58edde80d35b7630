"""Who may call the grants routes."""

from __future__ import annotations

from kit.auth.policies import Policy
from kit.auth.principal import Role

READ_GRANTS = Policy(name="read-grants", scopes=frozenset({"grants:read"}))
PILOT_CONTRACT = Policy(
    name="pilot-contract",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT}),
)
REGISTER_OPERATORS = Policy(
    name="register-operators",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)
EDIT_OPERATOR = Policy(
    name="edit-operator",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.OPERATOR}),
)
MANAGE_CONVENTIONS = Policy(
    name="manage-conventions",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
PAY = Policy(
    name="plan-and-pay",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
REPORT = Policy(
    name="report",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.OPERATOR}),
)
REVIEW_REPORTS = Policy(
    name="review-reports",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)
WRITE_APPLICATIONS = Policy(
    name="write-applications",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.OPERATOR}),
)
INSTRUCT = Policy(
    name="instruct-applications",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER, Role.OPERATOR}),
)
ANNOTATE = Policy(
    name="annotate-applications",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
# An institution's private notes and marks: read by the institution that wrote them. Auditors write none,
# so the policy does not promise them any (it once did, and they read those of the institution their
# token named).
READ_ANNOTATIONS = Policy(
    name="read-own-annotations",
    scopes=frozenset({"grants:read"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
PROGRAMME = Policy(
    name="programme-call",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)
READ_CALLS = Policy(name="read-calls", scopes=frozenset({"grants:read"}))
MANAGE_CALLS = Policy(
    name="manage-calls",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)
WRITE_INDICATORS = Policy(
    name="write-indicators",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER, Role.OPERATOR}),
)
EXCHANGE_FILES = Policy(
    name="exchange-files",
    scopes=frozenset({"grants:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)
READ_EXPORTS = Policy(
    name="read-exports",
    scopes=frozenset({"grants:read"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
EVALUATE = Policy(
    name="evaluate",
    scopes=frozenset({"grants:read"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE, Role.CO_FINANCER}),
)
