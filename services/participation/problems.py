"""One table: domain error -> problem status, type and title. The domain names fields as Python does
(`ends_on`, `attendance/0/person_id`); the problem names them as the wire does (`endsOn`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response

from identity.contracts import install_contract_problems
from kit import broken_rules
from kit.problems import FieldError, problem_response
from services.participation.draws.domain import DrawIntegrityError
from services.participation.errors import (
    NotBoundError,
    NotFoundError,
    ParticipationError,
    RulesBrokenError,
    RuleViolationError,
)
from services.participation.schemas import wire_name


def _field_error(rule: broken_rules.RuleViolationError) -> FieldError:
    field = rule.field if rule.verbatim else wire_name(rule.field)
    return FieldError(pointer=f"/body/{field}", field=field, rule=rule.rule, message=str(rule))


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    match exc:
        case NotFoundError():
            return problem_response(404, "not-found", "Resource not found", str(exc), instance=path)
        case NotBoundError():
            return problem_response(
                403, "not-bound-to-contract", "Forbidden", "You do not work on this contract.", instance=path
            )
        case RulesBrokenError():
            errors = [_field_error(rule) for rule in exc.broken]
            return problem_response(422, "rules-broken", "Rules broken", str(exc), instance=path, errors=errors)
        case RuleViolationError():
            return problem_response(
                422, "validation", "Invalid input", str(exc), instance=path, errors=[_field_error(exc)]
            )
        case DrawIntegrityError():
            broken = FieldError(pointer="/body", field="draw", rule=exc.rule, message=str(exc))
            return problem_response(
                409, "draw-integrity", "Draw inputs changed", str(exc), instance=path, errors=[broken]
            )
    raise exc


def install_domain_problems(app: FastAPI) -> None:
    app.add_exception_handler(ParticipationError, _on_domain_error)
    install_contract_problems(app)
