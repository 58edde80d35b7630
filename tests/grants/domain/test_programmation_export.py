"""The programmation export's domain, without a database: its columns (a stable key for the exchange CSV, a
French label people read, both read back by the decisions import), the values people read in French, the
cells codes and amounts are written as, and the « Synthèse » in French."""

from __future__ import annotations

import string
import uuid
from datetime import date
from decimal import Decimal

from services.grants.exchange.domain import french
from services.grants.exchange.domain.decision_files import column_map
from services.grants.exchange.domain.programmation_export import (
    Financer,
    LineFigures,
    ProgrammationRow,
    columns,
    table,
)
from services.grants.exchange.domain.programmation_summary import Totals, summary
from services.grants.framework.domain import Pillar
from services.grants.programmation.domain.portfolio import (
    FINDING_WORDS,
    ApplicationFacts,
    Envelope,
    PortfolioRules,
    check_portfolio,
)
from services.grants.spreadsheet import Cell, Code

P147 = Financer(uuid.uuid4(), "etat-p147", "État - P147", is_p147=True)
CUA = Financer(uuid.uuid4(), "cua", "CU d'Arras", is_p147=False)
FINANCERS = [P147, CUA]


def row(**lines: LineFigures) -> ProgrammationRow:
    """A notified application of the State's P147 and the CUA, its lines as given (by financer code)."""
    by_code = {financer.code: financer.institution_id for financer in FINANCERS}
    return ProgrammationRow(
        application_id=uuid.uuid4(),
        year=2025,
        scheme="p147",
        dauphin_number="DA20250001-1",
        siret="00552013500137",
        rna=None,
        operator_name="Asso 0137",
        operator_profile="association",
        title="Ateliers de quartier",
        renewal=False,
        multi_year=True,
        starts_on=date(2025, 9, 1),
        ends_on=None,
        objectives=[("ambition", "A1", "Quartier apaisé")],
        pillar=Pillar.COHESION_SOCIALE.value,
        p147_theme="1.5",
        qpv_codes=["QN06258M", "QN06261M"],
        hors_qpv=False,
        beneficiaries={"total": 120, "age_bands": {"6-11": 40}},
        state="notified",
        convention_year="1/3",
        lines={by_code[code]: figures for code, figures in lines.items()},
    )


def cells(application: ProgrammationRow, *, for_people: bool = False) -> dict[str, Cell]:
    """The application's row by its header: keys (the exchange CSV), or labels with French values."""
    header, values = table(iter([application]), columns(FINANCERS, False, for_people=for_people), for_people)
    return dict(zip(map(str, header), values, strict=True))


GRANTED = LineFigures(800_000, None, 700_001, "granted", "favourable", None, decision_day=date(2025, 3, 14))
REFUSED = LineFigures(400_000, 0, 0, "refused", None, None, paid_commitment="2103814945")


def test_every_column_has_a_key_and_a_label_and_the_import_finds_its_columns_by_either() -> None:
    chosen = columns(FINANCERS, with_gender_score=True)
    keys, labels = [column.key for column in chosen], [column.label for column in chosen]
    assert (len(set(keys)), len(set(labels))) == (len(keys), len(labels))
    found = column_map(keys, {})
    assert found == column_map(labels, {}), "a file written before (keys) and one written now (labels)"
    assert set(found) == {
        "dauphin_number",
        "siret",
        "year",
        "title",
        "decided_amount",
        "decision",
        "decision_date",
        "chorus_commitment",
    }
    assert keys[found["dauphin_number"]] == "numero_dossier_dauphin", "the full number, not the action's code"


def test_a_row_gives_codes_as_text_amounts_as_euros_and_its_values_in_french_for_people() -> None:
    exchanged = cells(row(**{"etat-p147": GRANTED, "cua": REFUSED}))
    assert exchanged["siret"] == Code("00552013500137")
    assert all(
        isinstance(exchanged[key], Code)
        for key in (
            "id_application",
            "siret",
            "numero_dossier_dauphin",
            "code_action_dauphin",
            "qpv_codes",
            "cpo_annee",
        )
    )
    assert (exchanged["montant_decide_p147"], exchanged["montant_propose_p147"], exchanged["cofin_cua_decide"]) == (
        Decimal("7000.01"),
        None,
        Decimal("0.00"),
    ), "nothing proposed: blank; 0 € decided: 0.00"
    assert (exchanged["decision_p147"], exchanged["statut"], exchanged["pilier"]) == (
        "granted",
        "notified",
        "cohesion_sociale",
    )
    assert (exchanged["date_decision"], exchanged["chorus_ej"]) == (date(2025, 3, 14), None), "the day it was decided"
    worded = cells(row(**{"etat-p147": GRANTED}), for_people=True)
    assert (worded["Décision P147"], worded["Statut"], worded["Pilier"], worded["Type de porteur"]) == (
        "Accordée",
        "Notifiée",
        "Cohésion sociale",
        "Association",
    )
    assert worded["Montant décidé P147 (€)"] == Decimal("7000.01")


def test_a_lines_ej_is_the_one_its_payments_name_while_it_holds_none() -> None:
    paid = cells(row(**{"etat-p147": REFUSED}))
    assert (paid["chorus_ej"], paid["montant_propose_p147"], paid["date_decision"]) == (
        "2103814945",
        Decimal("0.00"),
        None,
    )


def test_the_summary_is_in_french_and_leaves_blank_a_total_no_line_gives() -> None:
    totals = Totals()
    undecided = LineFigures(500_000, None, None, None, None, None)
    for application in (row(**{"etat-p147": GRANTED}), row(**{"etat-p147": undecided, "cua": undecided})):
        totals.add(application, P147.institution_id)
    names = {financer.institution_id: financer.nom for financer in FINANCERS}
    check = check_portfolio(totals.amounts, totals.facts, {}, names, P147.institution_id, PortfolioRules())
    rows = summary(totals, FINANCERS, check, with_gender_score=False)
    assert rows[0] == ["Rubrique", "Clé", "Sollicité (€)", "Proposé (€)", "Décidé (€)", "Enveloppe (€)"]
    financers = {line[1]: line[2:] for line in rows if line[0] == "Financeur"}
    assert financers == {
        "État - P147": [Decimal("13000.00"), None, Decimal("7000.01"), None],
        "CU d'Arras": [Decimal("5000.00"), None, None, None],
    }, "nothing proposed by anyone, nothing decided by the CUA: blank, not 0.00"
    assert ["P147 par pilier", "Cohésion sociale", None, None, Decimal("7000.01"), None] in rows
    assert [
        "Contrôles",
        "Aucun écart",
        "Toutes les règles de la programmation sont respectées",
        None,
        None,
        None,
    ] in rows


def test_every_check_is_worded_in_french_from_the_figures_the_api_words_in_english() -> None:
    def names(words: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(words) if name}

    assert set(french.FINDINGS) == set(FINDING_WORDS)
    for wording, english in FINDING_WORDS.items():
        assert names(french.FINDINGS[wording][1]) == names(english), wording
    facts = ApplicationFacts(uuid.uuid4(), "Renouvelée", {P147.institution_id: 100_000}, True, True, 90_000, None)
    check = check_portfolio(
        {(facts.application_id, P147.institution_id): 100_001},
        {facts.application_id: facts},
        {P147.institution_id: Envelope(P147.institution_id, 50_000, departmental_cents=1_000_000)},
        {P147.institution_id: "État - P147"},
        P147.institution_id,
        PortfolioRules(degressivity_rate=Decimal("0.025")),
    )
    worded = [french.worded(finding) for finding in [*check.blocking, *check.warnings]]
    assert worded == [
        (
            "Montant dans la limite du sollicité",
            "Renouvelée : 1\u202f000,01 € proposés par État - P147, au-delà des 1\u202f000 € sollicités",
        ),
        (
            "Dans l'enveloppe",
            "État - P147 : 1\u202f000,01 € proposés pour une enveloppe de 500 € (dépassement de 500,01 €)",
        ),
        (
            "Plafond hors QPV",
            "part des zones de vulnérabilité hors QPV de 10,0 %, au-delà du plafond de 2,5 % : "
            "1\u202f000,01 € sur 10\u202f000 €",
        ),
        (
            "Dégressivité",
            "Renouvelée : 1\u202f000,01 € de P147, au-delà de 877,50 € (900 € l'an dernier, moins 2,5 %)",
        ),
        ("Part d'actions nouvelles", "0 actions nouvelles sur 1 (0,0 %), sous l'objectif de 30 %"),
        (
            "Part de la cohésion sociale",
            "cohésion sociale 0 € sur 1\u202f000,01 € de P147 (0,0 %), sous l'objectif de 50 %",
        ),
    ]
