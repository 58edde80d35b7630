"""Where each block of the review comes from: one declaration per source, nothing else to change.

A slot (`Source.slot`) is a block no service publishes yet: the review shows it unavailable with its reason.
When a service publishes it, replace the slot by a `Source` naming the service, the path and the query
(templates over {code}, {year}, {epci}, {start}, {qpv}); its answer then appears in the JSON as it is, and
the HTML shows it as tables (or with its own template, `templates/blocks/<key>.html.j2`, when there is one).
"""

from __future__ import annotations

from gateway.review.domain import Section, Source

CONTRACT = {"contractCode": "{code}"}
OF_THE_YEAR = {"contractCode": "{code}", "year": "{year}"}
# The context's indicators, each compared per QPV with the EPCI, all QPV (ENSQP) and France.
CONTEXT_INDICATORS = ("median_income", "low_income_households", "share_under_25")
PENDING_GRANTS = "Le service grants ne publie pas encore cette partie (issue 16, point {point})."

SOURCES: tuple[Source, ...] = (
    # Context: the neighbourhoods against the EPCI, all QPV and France, with their perimeters and sources.
    *(
        Source(
            key=f"indicator:{indicator}",
            section=Section.CONTEXT,
            title=f"Indicateur {indicator}",
            service="territories",
            path=f"/qpvs/{{qpv}}/indicators/{indicator}/comparison",
            perimeter="QPV {qpv}, géographie prioritaire 2024",
            per_qpv=True,
        )
        for indicator in CONTEXT_INDICATORS
    ),
    Source(
        key="perimeter",
        section=Section.CONTEXT,
        title="Périmètre du quartier",
        service="territories",
        path="/qpvs/{qpv}/perimeter",
        params={"toleranceM": "5"},
        perimeter="QPV {qpv}, géographie prioritaire 2024",
        per_qpv=True,
    ),
    Source(
        key="vulnerability-computations",
        section=Section.CONTEXT,
        title="Calculs de zones de vulnérabilité",
        service="territories",
        path="/vulnerability-computations",
        params={"limit": "20"},
        perimeter="EPCI {epci}",
    ),
    # Achievements: the evaluation grants computes (no second computation here) and the renewal projects.
    Source(
        key="evaluation",
        section=Section.ACHIEVEMENTS,
        title="Programmation notifiée de l'année",
        service="grants",
        path="/evaluation/years/{year}",
        params=CONTRACT,
        years="baseline",
    ),
    Source(
        key="programmation-totals",
        section=Section.ACHIEVEMENTS,
        title="Répartition par quartier (dont hors QPV)",
        service="grants",
        path="/programmation/totals",
        params=OF_THE_YEAR,
    ),
    Source(
        key="renewal-projects",
        section=Section.ACHIEVEMENTS,
        title="Renouvellement urbain",
        service="territories",
        path="/renewal-projects",
        params={"codeEpci": "{epci}", "limit": "100"},
        perimeter="EPCI {epci}",
    ),
    # Governance and participation: participation's own evaluation indicators.
    Source(
        key="participation",
        section=Section.GOVERNANCE,
        title="Instances, membres, réunions et avis",
        service="participation",
        path="/participation-indicators",
        params=OF_THE_YEAR,  # members over participation's own series of years (before the contract too)
        years="all",  # the meetings of each year; the baseline's figures in mid-term mode
    ),
    # The three slots other features fill (issue 16, points 1 to 3).
    Source.slot(
        "engagements",
        Section.DROIT_COMMUN,
        "Fiches d'engagement des signataires (N, N+2, N+3), droit commun et ETP d'ingénierie",
        PENDING_GRANTS.format(point=1),
    ),
    Source.slot(
        "connected-programmes",
        Section.CONNECTED_PROGRAMMES,
        "Plans TFPB, cités éducatives, cités de l'emploi, PRE, adultes-relais, Quartiers d'été",
        PENDING_GRANTS.format(point=2),
    ),
    Source.slot(
        "contract-indicators",
        Section.CONTRACT_INDICATORS,
        "Indicateurs du contrat : valeur de référence, cible et année cible",
        PENDING_GRANTS.format(point=3),
    ),
)
