"""Who may call the territories routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.principal import ADMIN_SCOPE, Principal, Role
from kit.auth.policies import Policy, authorize, public_policy

REFERENCE = public_policy("reference-data")
BATCH_LOOKUP = Policy(name="batch-lookup", scopes=frozenset({"territories:read"}))
READ_EVENTS = Policy(name="read-territories-events", scopes=frozenset({"territories:read"}))
REGISTER_CONTRACT = Policy(name="register-contract", scopes=frozenset({ADMIN_SCOPE}))
UPDATE_CONTRACT = Policy(
    name="update-contract",
    scopes=frozenset({"territories:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT}),
)
EDIT_REFERENCE = Policy(
    name="edit-reference-data",
    scopes=frozenset({"territories:write"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT}),
)
# The indicator catalogue is shared by every contract: a pilot writes its own territories' values, never
# the definition another contract's figures are read against.
DEFINE_INDICATORS = Policy(name="define-indicators", scopes=frozenset({ADMIN_SCOPE}))
AGGREGATED_STATISTICS = public_policy("aggregated-statistics")
# The préfet validates the map of vulnerability zones (the contract, line 847): the State records its act, or
# the contract's pilots do on its behalf. The State's users hold no territories:write scope (identity's
# ROLE_SCOPES): the role decides here, and the use case checks the caller works on the contract.
VALIDATE_ZONES = Policy(
    name="validate-vulnerability-zones",
    scopes=frozenset({"territories:read"}),
    roles=frozenset({Role.PLATFORM_ADMIN, Role.CONTRACT_PILOT, Role.STATE}),
)

Editor = Annotated[Principal, Depends(authorize(EDIT_REFERENCE))]
