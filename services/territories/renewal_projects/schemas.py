"""The renewal projects on the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from kit.api_models import ApiInput, ApiModel
from services.territories.qpvs.domain import GENERATION_2024
from services.territories.renewal_projects.domain import Interest, Programme, ProjectStatus, RenewalProject
from services.territories.schemas import GenerationCode, LongText, QpvCode, ShortText

ProgrammeName = Literal["NPNRU", "PNRU", "other"]
InterestLevel = Literal["national", "regional"]
ProjectStatusName = Literal["planned", "in_progress", "finishing", "completed", "abandoned"]
Year = Annotated[int, Field(ge=1990, le=2100)]


class RenewalProjectRead(ApiModel):
    id: uuid.UUID
    nom: str
    programme: ProgrammeName
    interest: InterestLevel | None = Field(description="PRIN (national) or PRIR (regional) for NPNRU projects")
    qpv_codes: list[str]
    generation: str
    code_epci: str | None
    starts_year: int | None
    ends_year: int | None
    status: ProjectStatusName
    notes: str | None
    version: int

    @classmethod
    def of(cls, project: RenewalProject) -> RenewalProjectRead:
        return cls(
            id=project.project_id,
            nom=project.nom,
            programme=project.programme.value,
            interest=project.interest.value if project.interest else None,
            qpv_codes=list(project.qpv_codes),
            generation=project.generation,
            code_epci=project.code_epci,
            starts_year=project.starts_year,
            ends_year=project.ends_year,
            status=project.status.value,
            notes=project.notes,
            version=project.version,
        )


class RenewalProjectCreate(ApiInput):
    nom: ShortText
    programme: ProgrammeName
    interest: InterestLevel | None = None
    qpv_codes: list[QpvCode] = Field(min_length=1, max_length=50)
    generation: GenerationCode = GENERATION_2024
    starts_year: Year | None = None
    ends_year: Year | None = None
    status: ProjectStatusName = "planned"
    notes: LongText | None = None

    def project(self) -> RenewalProject:
        """A new project; its EPCI is that of its QPVs, found when it is recorded."""
        return RenewalProject(
            project_id=uuid.uuid4(),
            nom=self.nom,
            programme=Programme(self.programme),
            interest=Interest(self.interest) if self.interest else None,
            qpv_codes=tuple(self.qpv_codes),
            generation=self.generation,
            code_epci=None,
            starts_year=self.starts_year,
            ends_year=self.ends_year,
            status=ProjectStatus(self.status),
            notes=self.notes,
        )


# What an update converts to the domain's types, and what `null` clears (other fields: null leaves them).
CONVERTERS: dict[str, Any] = {"programme": Programme, "interest": Interest, "status": ProjectStatus, "qpv_codes": tuple}
CLEARABLE = frozenset({"interest", "notes", "starts_year", "ends_year"})


class RenewalProjectUpdate(ApiInput):
    nom: ShortText | None = None
    programme: ProgrammeName | None = None
    interest: InterestLevel | None = None
    qpv_codes: list[QpvCode] | None = Field(default=None, min_length=1, max_length=50)
    starts_year: Year | None = None
    ends_year: Year | None = None
    status: ProjectStatusName | None = None
    notes: LongText | None = None

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the domain holds them."""
        changes: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None and name not in CLEARABLE:
                continue
            changes[name] = CONVERTERS[name](value) if value is not None and name in CONVERTERS else value
        return changes
