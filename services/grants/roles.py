"""Who is who in grants: the role sets the route policies (policies.py) and the features' rules (who may do
what, in their domains) both name, each named once."""

from __future__ import annotations

from identity.principal import Role

# The contract's managers: they manage every convention and set any financing line.
PILOTS = frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT})
# Who instructs applications, programmes a call, registers operators and reviews reports.
INSTRUCTORS = PILOTS | {Role.STATE}
# Add the co-financers: who plans and pays, manages conventions, annotates and evaluates.
FINANCERS = INSTRUCTORS | {Role.CO_FINANCER}
# Add the auditors: who reads every operator's records of the contracts they work on.
PARTNERS = FINANCERS | {Role.AUDITOR}
# The roles a financing line belongs to (the institution's own line).
FUNDERS = frozenset({Role.STATE, Role.CO_FINANCER})
# Who writes an operator's reports: its own users (or a platform administrator).
ADMIN_AND_OPERATOR = frozenset({Role.PLATFORM_ADMIN, Role.OPERATOR})
# Who may speak for a signatory of the contract (its engagement sheet): the financers, the communes, and an
# association's users (BGE Hauts-de-France signs the CUA's contract).
SIGNATORY_USERS = FINANCERS | {Role.COMMUNE, Role.OPERATOR}
