"""One table: domain error -> problem status, type and title."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response

from kit.problems import FieldError, problem_response
from services.participation.domain.draws import DrawIntegrityError
from services.participation.errors import (
    NotBoundError,
    NotFoundError,
    ParticipationError,
    RuleViolationError,
)


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    match exc:
        case NotFoundError():
            return problem_response(404, "not-found", "Resource not found", str(exc), instance=path)
        case NotBoundError():
            return problem_response(
                403, "not-bound-to-contract", "Forbidden", "You do not work on this contract.", instance=path
            )
        case RuleViolationError():
            broken = FieldError(pointer=f"/body/{exc.field}", field=exc.field, rule=exc.rule, message=str(exc))
            return problem_response(422, "validation", "Invalid input", str(exc), instance=path, errors=[broken])
        case DrawIntegrityError():
            broken = FieldError(pointer="/body", field="draw", rule=exc.rule, message=str(exc))
            return problem_response(
                409, "draw-integrity", "Draw inputs changed", str(exc), instance=path, errors=[broken]
            )
    raise exc


def install_domain_problems(app: FastAPI) -> None:
    app.add_exception_handler(ParticipationError, _on_domain_error)
