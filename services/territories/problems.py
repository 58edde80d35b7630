"""One table: domain error -> problem status, type and title."""

from __future__ import annotations

from fastapi import FastAPI, Request
from pydantic.alias_generators import to_camel
from starlette.responses import Response

from kit.database import UniqueProblem
from kit.problems import FieldError, problem_response
from services.territories.errors import (
    ContractConflictError,
    ImportRejectedError,
    InvalidFieldError,
    NotBoundError,
    NotFoundError,
    TerritoriesError,
    ZoneConflictError,
)
from services.territories.indicators.domain import IndicatorFileError
from services.territories.localisation.domain import BatchFormatError
from services.territories.vulnerability.domain.filosofi import FilosofiFileError


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    match exc:
        case NotFoundError():
            return problem_response(404, "not-found", "Resource not found", str(exc), instance=path)
        case ContractConflictError():
            return problem_response(
                409, "contract-exists", "Contract already registered", f"Contract {exc} exists.", instance=path
            )
        case ZoneConflictError():
            return problem_response(409, "vulnerability-zone-exists", "Zone already validated", str(exc), instance=path)
        case NotBoundError():
            return problem_response(
                403, "not-bound-to-contract", "Forbidden", "You do not work on this contract.", instance=path
            )
        case ImportRejectedError():
            errors = [
                FieldError(
                    pointer=f"/body/lines/{item.line}/{item.field}",
                    field=item.field,
                    rule=item.rule,
                    message=item.message,
                )
                for item in exc.errors[:1000]
            ]
            return problem_response(422, "validation", "Import refused", str(exc), instance=path, errors=errors)
        case IndicatorFileError() | FilosofiFileError():
            error = FieldError(pointer="/body", field="body", rule="csv-format", message=str(exc))
            return problem_response(422, "validation", "Invalid input", str(exc), instance=path, errors=[error])
        case BatchFormatError():
            error = FieldError(pointer="/body", field="body", rule="batch-format", message=str(exc))
            return problem_response(422, "validation", "Invalid input", str(exc), instance=path, errors=[error])
        case InvalidFieldError():
            # The domain names the record's attribute; the wire spells it as every schema does (kit.api_models).
            field = to_camel(exc.field)
            error = FieldError(pointer=f"/body/{field}", field=field, rule=exc.rule, message=str(exc))
            return problem_response(422, "validation", "Invalid input", str(exc), instance=path, errors=[error])
    raise exc


def install_domain_problems(app: FastAPI) -> None:
    app.add_exception_handler(TerritoriesError, _on_domain_error)


# What a unique constraint met by a concurrent twin answers: what the use case's own check answers.
UNIQUE_PROBLEMS = {
    "pk_contracts": UniqueProblem("contract-exists", "Contract already registered", "The contract exists."),
    "uq_vulnerability_zones_contract_code": UniqueProblem(
        "vulnerability-zone-exists", "Zone already validated", "A zone of this code exists for the contract."
    ),
}
