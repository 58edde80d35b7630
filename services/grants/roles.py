"""Who is who in grants: the role sets the route policies (policies.py) and the features' rules (who may do
what, in their domains) both name, each named once. The names are the platform's roles (identity.principal's
Role); plain text here, so that the domains import nothing of the kit."""

from __future__ import annotations

PLATFORM_ADMIN, CONTRACT_PILOT, STATE, CO_FINANCER = "platform_admin", "contract_pilot", "state", "co_financer"
OPERATOR, AUDITOR = "operator", "auditor"

# The contract's managers: they manage every convention and set any financing line.
PILOTS = frozenset({PLATFORM_ADMIN, CONTRACT_PILOT})
# Who instructs applications, programmes a call, registers operators and reviews reports.
INSTRUCTORS = PILOTS | {STATE}
# Add the co-financers: who plans and pays, manages conventions, annotates and evaluates.
FINANCERS = INSTRUCTORS | {CO_FINANCER}
# Add the auditors: who reads every operator's records of the contracts they work on.
PARTNERS = FINANCERS | {AUDITOR}
# The roles a financing line belongs to (the institution's own line).
FUNDERS = frozenset({STATE, CO_FINANCER})
# Who writes an operator's reports: its own users (or a platform administrator).
ADMIN_AND_OPERATOR = frozenset({PLATFORM_ADMIN, OPERATOR})
