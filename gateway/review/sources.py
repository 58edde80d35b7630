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
        key="institutions",
        section=Section.ACHIEVEMENTS,
        title="Financeurs du contrat",
        service="grants",
        path="/institutions",
        params={"contractCode": "{code}", "limit": "100"},  # their names, for the financers' codes
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
    # Droit commun and the signatories' engagements (grants' signatories feature): the contract's first year's
    # sheets against N+2 and N+3, the year's means declared and realised, the engineering staff.
    Source(
        key="engagement-comparison",
        section=Section.DROIT_COMMUN,
        title="Fiches d'engagement de l'année de référence comparées à N+2 et N+3",
        service="grants",
        path="/engagement-comparisons",
        params={"contractCode": "{code}", "year": "{start}"},
    ),
    Source(
        key="droit-commun-means",
        section=Section.DROIT_COMMUN,
        title="Moyens de droit commun des signataires, déclarés et réalisés",
        service="grants",
        path="/droit-commun",
        params=OF_THE_YEAR,
        years="baseline",
    ),
    Source(
        key="engineering-staff",
        section=Section.DROIT_COMMUN,
        title="Ingénierie du contrat : ETP par signataire et par fonction",
        service="grants",
        path="/engineering-staff",
        params=OF_THE_YEAR,
        years="baseline",
    ),
    # The connected programmes (TFPB plans, cités, PRE, adultes-relais, Quartiers d'été from the call).
    Source(
        key="connected-programmes",
        section=Section.CONNECTED_PROGRAMMES,
        title="Plans TFPB, cités éducatives, cités de l'emploi, PRE, adultes-relais, Quartiers d'été",
        service="grants",
        path="/programme-totals",
        params=OF_THE_YEAR,
        years="baseline",
    ),
    # The contract's evaluation framework: each indicator's baseline, target and standing at the year.
    Source(
        key="contract-indicators",
        section=Section.CONTRACT_INDICATORS,
        title="Indicateurs du contrat : valeur de référence, cible et année cible",
        service="grants",
        path="/contract-indicators",
        params={"contractCode": "{code}", "year": "{year}", "limit": "100"},
    ),
)
