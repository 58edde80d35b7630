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
