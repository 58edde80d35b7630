"""Urban renewal projects (NPNRU and others) and the QPVs they concern.

The contract names four, and the Cheminots' roadmap of urban change (002_5977faef0ce805e9.txt lines 459,
550, 613, 725 and 824; they are shipped in `data/cua_renewal_projects.json`); a writing seminar's proposal
(the tour Cézanne, line 1651) is not a project.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from services.territories.errors import InvalidFieldError

_PROJECT_NAMESPACE = uuid.UUID("6f1b2d0e-57a4-4c54-9a3e-2f43a3c0b1d7")


class Programme(StrEnum):
    # The programmes of the Agence nationale pour la rénovation urbaine (loi n°2003-710; NPNRU: loi n°2014-173).
    NPNRU = "NPNRU"  # Nouveau programme national de renouvellement urbain (2014-2030)
    PNRU = "PNRU"  # the first national programme (2004-2020)
    OTHER = "other"  # local or unnamed programmes


class Interest(StrEnum):
    # The NPNRU's two levels (règlement général de l'ANRU): projects of national or of regional interest.
    NATIONAL = "national"  # PRIN: projet de renouvellement d'intérêt national
    REGIONAL = "regional"  # PRIR: d'intérêt régional


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FINISHING = "finishing"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True)
class RenewalProject:
    project_id: uuid.UUID
    nom: str
    programme: Programme
    interest: Interest | None
    qpv_codes: tuple[str, ...]
    generation: str
    code_epci: str | None
    starts_year: int | None
    ends_year: int | None
    status: ProjectStatus
    notes: str | None
    version: int = 1


def seeded_project_id(nom: str) -> uuid.UUID:
    """Projects loaded from the shipped file keep their id from one import to the next."""
    return uuid.uuid5(_PROJECT_NAMESPACE, nom)


def check_project(project: RenewalProject, epci_of_qpv: dict[str, str | None]) -> str | None:
    """The EPCI the project belongs to (that of its QPVs), or why the project is refused."""
    if not project.qpv_codes:
        raise InvalidFieldError("qpv_codes", "at-least-one", "a project concerns at least one QPV")
    unknown = sorted(code for code in project.qpv_codes if code not in epci_of_qpv)
    if unknown:
        message = f"QPV {', '.join(unknown)} not found in generation {project.generation}"
        raise InvalidFieldError("qpv_codes", "known-qpv", message)
    epcis = {epci_of_qpv[code] for code in project.qpv_codes}
    if len(epcis) > 1:
        raise InvalidFieldError("qpv_codes", "one-epci", "the QPVs of a project lie in one EPCI")
    if project.starts_year is not None and project.ends_year is not None and project.ends_year < project.starts_year:
        raise InvalidFieldError("ends_year", "after-start", "the end year must not precede the start year")
    if project.interest is not None and project.programme is Programme.OTHER:
        raise InvalidFieldError("interest", "national-programme", "interest applies to NPNRU and PNRU projects")
    return epcis.pop()
