"""HTTP routes of the strategic framework."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Path, Response

from identity.contracts import ContractRegistry, request_contract_registry
from identity.principal import Principal
from kit.api_models import CONTRACT_CODE_PATTERN
from kit.auth.policies import authorize
from kit.database import request_unit_of_work
from kit.unit_of_work import UnitOfWork
from kit.write_pipeline import platform_router
from services.grants.framework import use_cases as framework
from services.grants.framework.domain import Objective
from services.grants.framework.schemas import FrameworkRead, FrameworkReplaced, ObjectiveRead
from services.grants.policies import PILOT_CONTRACT, READ_GRANTS

router = platform_router(["strategic framework"], authenticated=True, writes=True)
Uow = Annotated[UnitOfWork, Depends(request_unit_of_work)]
ContractPath = Annotated[str, Path(pattern=CONTRACT_CODE_PATTERN)]
FRAMEWORK_EXAMPLE = {
    "ambitions": [
        {
            "code": "A1",
            "label": "Quartier apaisé",
            "strategicObjectives": [
                {
                    "code": "OS1",
                    "label": "Maintenir et développer des moyens de médiation",
                    "operationalObjectives": [
                        {"code": "1A", "label": "Créer des tiers-lieux et des équipements jeunesse", "p147Theme": "1.5"}
                    ],
                }
            ],
        }
    ]
}


def _tree(objectives: list[Objective]) -> list[ObjectiveRead]:
    children: dict[Any, list[Objective]] = {}
    for item in objectives:
        children.setdefault(item.parent_id, []).append(item)

    def node(item: Objective) -> ObjectiveRead:
        return ObjectiveRead(
            id=item.objective_id,
            level=item.level.value,
            code=item.code,
            label=item.label,
            parent_id=item.parent_id,
            position=item.position,
            p147_theme=item.p147_theme,
            pillar=None if item.pillar is None else item.pillar.value,
            source_line=item.source_line,
            children=[node(child) for child in sorted(children.get(item.objective_id, []), key=lambda o: o.position)],
        )

    return [node(item) for item in sorted(children.get(None, []), key=lambda o: o.position)]


@router.get("/frameworks/{contract_code}", operation_id="get_framework", response_model=FrameworkRead)
async def get_framework(
    uow: Uow,
    response: Response,
    contract_code: ContractPath,
    principal: Annotated[Principal, Depends(authorize(READ_GRANTS))],
) -> FrameworkRead:
    """The contract's ambitions, strategic and operational objectives, with P147 themes and pillars."""
    objectives = await framework.get_framework(uow, principal, contract_code)
    response.headers["ETag"] = framework.framework_etag(contract_code, objectives)
    return FrameworkRead(contract_code=contract_code, ambitions=_tree(objectives))


@router.put("/frameworks/{contract_code}", operation_id="replace_framework", response_model=FrameworkReplaced)
async def replace_framework(
    uow: Uow,
    registry: Annotated[ContractRegistry, Depends(request_contract_registry)],
    contract_code: ContractPath,
    principal: Annotated[Principal, Depends(authorize(PILOT_CONTRACT))],
    document: Annotated[
        dict[str, Any],
        Body(
            description="ambitions[] → strategicObjectives[] → operationalObjectives[] (code, label, p147Theme)",
            examples=[FRAMEWORK_EXAMPLE],
        ),
    ],
) -> FrameworkReplaced:
    """Import the contract's tree from a file (pilots): all at once; objectives kept keep their ids."""
    counts = await framework.replace_framework(uow, registry, principal, contract_code, document)
    return FrameworkReplaced.model_validate(counts)
