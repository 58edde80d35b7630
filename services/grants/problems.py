"""One table: domain error -> problem status, type and title; the domain's field names as the wire's."""

from __future__ import annotations

from fastapi import FastAPI, Request
from pydantic.alias_generators import to_camel
from starlette.responses import Response

from identity.contracts import install_contract_problems
from kit import broken_rules
from kit.database import UniqueProblem
from kit.problems import FieldError, problem_response
from services.grants.applications.domain.workflow import TransitionRefusedError
from services.grants.conventions.domain import ConventionMoveRefusedError
from services.grants.errors import (
    ConflictError,
    DuplicateCallError,
    ForbiddenByRuleError,
    ForbiddenMoveError,
    GrantsError,
    NotBoundError,
    NotEditableError,
    NotFoundError,
    RulesBrokenError,
    RuleViolationError,
)


def wire_field(rule: broken_rules.RuleViolationError) -> str:
    """The broken field's path as the schemas write it: each name in camelCase, as their alias generator
    does (`lines/0/institution_id` → `lines/0/institutionId`); a verbatim path is data, given as it is."""
    return rule.field if rule.verbatim else "/".join(to_camel(part) for part in rule.field.split("/"))


def _field_error(rule: broken_rules.RuleViolationError) -> FieldError:
    field = wire_field(rule)
    return FieldError(pointer=f"/body/{field}", field=field, rule=rule.rule, message=str(rule))


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    path = request.url.path
    match exc:
        case NotFoundError():
            return problem_response(404, "not-found", "Resource not found", str(exc), instance=path)
        case DuplicateCallError():
            return problem_response(409, "call-exists", "Call already open", f"A call exists for {exc}.", instance=path)
        case ConflictError():
            return problem_response(409, "conflict", "Already exists", str(exc), instance=path)
        case NotBoundError():
            return problem_response(
                403, "not-bound-to-contract", "Forbidden", "You do not work on this contract.", instance=path
            )
        case TransitionRefusedError() | ConventionMoveRefusedError():
            field = "transition" if isinstance(exc, TransitionRefusedError) else "move"
            error = FieldError(pointer=f"/body/{field}", field=field, rule="transition-allowed", message=str(exc))
            return problem_response(
                409, "transition-refused", "Transition not allowed", str(exc), instance=path, errors=[error]
            )
        case RulesBrokenError():
            errors = [_field_error(rule) for rule in exc.broken]
            return problem_response(422, "rules-broken", "Rules broken", str(exc), instance=path, errors=errors)
        case ForbiddenByRuleError():
            field = to_camel(exc.field)
            error = FieldError(pointer=f"/path/{exc.field}", field=field, rule=exc.rule, message=str(exc))
            return problem_response(403, "forbidden", "Forbidden", str(exc), instance=path, errors=[error])
        case ForbiddenMoveError():
            return problem_response(403, "forbidden", "Forbidden", str(exc), instance=path)
        case NotEditableError():
            return problem_response(409, "not-editable", "Not editable now", str(exc), instance=path)
        case RuleViolationError():
            return problem_response(
                422, "validation", "Invalid input", str(exc), instance=path, errors=[_field_error(exc)]
            )
    raise exc


def install_domain_problems(app: FastAPI) -> None:
    app.add_exception_handler(GrantsError, _on_domain_error)
    install_contract_problems(app)


# What a unique constraint met by a concurrent twin answers: what the use case's own check answers.
UNIQUE_PROBLEMS = {
    "uq_calls_for_projects_contract_code_year_scheme": UniqueProblem(
        "call-exists", "Call already open", "A call exists for this contract, year and scheme."
    ),
}
