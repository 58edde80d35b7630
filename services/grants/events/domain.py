"""Who reads an event of grants: whoever reads the record it is about (issue 17: "the same object-level
rules as the resource"). An operator's records (its applications, their lines and tranches, conventions)
follow `sees_records_of`; the contract's calls, tree, engagement sheets, contract indicators and connected
programmes (public records) are read by all who work on it; the rest of the contract's records (programmation,
envelopes, institutions, decision files) by its partners only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from identity.principal import Principal
from services.grants.operators.domain import own_organisations, sees_records_of

OPEN_TO_THE_CONTRACT = frozenset(
    {"call_for_projects", "strategic_framework", "engagement_sheet", "contract_indicator", "connected_programme"}
)


def sees_event(actor: Principal, contract_code: str | None, resource_type: str, related: Mapping[str, str]) -> bool:
    if contract_code is None:
        return False
    operator = related.get("operatorId")
    if operator is not None:
        return sees_records_of(actor, contract_code, uuid.UUID(operator))
    if resource_type in OPEN_TO_THE_CONTRACT:
        return actor.works_on(contract_code)
    return actor.works_on(contract_code) and own_organisations(actor) is None
