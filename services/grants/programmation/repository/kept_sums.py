"""The programmation's totals of a contract (and year) read from the sums its writes keep (table
programmation_sums, kept by the triggers of migration gran0028): the same rows as the computed totals'
statement (statements.py), from a few hundred kept sums instead of a year's applications and lines."""

from __future__ import annotations

from sqlalchemy import ClauseElement, Integer, Text, TextClause, Uuid, bindparam, text

from kit.compiled_statements import CompiledOnce

Shape = frozenset[str]

# The shapes of filters whose totals are kept: a contract's, all years or one.
KEPT_SHAPES = frozenset({frozenset(), frozenset({"year"})})

# Rows a reading adds up beyond one per key before the contract's sums are folded into one row per key
# (what the triggers appended since the last compaction: a few rows per write).
COMPACT_BEYOND_ROWS = 5_000

_TOTALS = """
WITH kept AS (
    SELECT dimension, key, year, sum(applications) AS applications, sum(requested_cents) AS requested,
           sum(proposed_cents) AS proposed, sum(decided_cents) AS decided, sum(funded) AS funded,
           sum(beneficiaries) AS beneficiaries, count(*) AS kept_rows
    FROM grants.programmation_sums
    WHERE contract_code = :contract_code {of_year}
    GROUP BY dimension, key, year
), per AS (
    {per}
), per_objective AS (
    SELECT objective.pillar, objective.p147_theme, ambition.label AS ambition, per.*
    FROM per
    LEFT JOIN grants.objectives AS objective
           ON objective.contract_code = :contract_code AND objective.objective_id::text = per.key
    LEFT JOIN grants.objectives AS strategic ON strategic.objective_id = objective.parent_id
    LEFT JOIN grants.objectives AS ambition ON ambition.objective_id = strategic.parent_id
    WHERE per.dimension = 'objective'
)
SELECT 'financer', institution.code::text, per.applications, per.requested, per.proposed, per.decided,
       per.funded, NULL::bigint
FROM per JOIN grants.institutions AS institution
     ON institution.contract_code = :contract_code AND institution.institution_id::text = per.key
WHERE per.dimension = 'financer'
UNION ALL
SELECT 'pillar', pillar::text, sum(applications), sum(requested), sum(proposed), sum(decided), sum(funded), NULL
FROM per_objective GROUP BY pillar
UNION ALL
SELECT 'ambition', ambition::text, sum(applications), sum(requested), sum(proposed), sum(decided), sum(funded),
       NULL
FROM per_objective GROUP BY ambition
UNION ALL
SELECT 'theme', p147_theme::text, sum(applications), sum(requested), sum(proposed), sum(decided), sum(funded),
       NULL
FROM per_objective GROUP BY p147_theme
UNION ALL
SELECT 'year', year::text, sum(applications), sum(requested), sum(proposed), sum(decided), sum(funded), NULL
FROM kept WHERE dimension = 'counts' GROUP BY year HAVING sum(applications) <> 0
UNION ALL
SELECT 'profile', operator.profile::text, sum(per.applications), sum(per.requested), sum(per.proposed),
       sum(per.decided), sum(per.funded), NULL
FROM per JOIN grants.operators AS operator
     ON operator.contract_code = :contract_code AND operator.operator_id::text = per.key
WHERE per.dimension = 'operator' GROUP BY operator.profile
UNION ALL
SELECT 'qpv', key, applications, requested, proposed, decided, funded, NULL FROM per WHERE dimension = 'qpv'
UNION ALL
SELECT 'operators', NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM per WHERE dimension = 'operator'
UNION ALL
SELECT 'counts', NULL, coalesce(sum(applications), 0)::bigint, NULL, NULL, NULL, coalesce(sum(funded), 0)::bigint,
       coalesce(sum(beneficiaries), 0)::bigint
FROM per WHERE dimension = 'counts'
UNION ALL
SELECT 'kept', NULL, coalesce(sum(kept_rows) - count(*), 0), NULL, NULL, NULL, NULL, NULL FROM kept
"""

# Each key's sums over the years asked, without the keys no application counts in any more. Of one year, the
# kept rows are already one per key: added up again, they cost a second aggregation of thousands of numeric
# sums (a third of the statement's time).
_PER_KEY = """SELECT dimension, key, sum(applications) AS applications, sum(requested) AS requested,
           sum(proposed) AS proposed, sum(decided) AS decided, sum(funded) AS funded,
           sum(beneficiaries) AS beneficiaries
    FROM kept GROUP BY dimension, key HAVING sum(applications) <> 0"""
_PER_KEY_OF_A_YEAR = """SELECT dimension, key, applications, requested, proposed, decided, funded, beneficiaries
    FROM kept WHERE applications <> 0"""

_COUNT = """SELECT coalesce(sum(applications), 0)::bigint FROM grants.programmation_sums
WHERE contract_code = :contract_code AND dimension = '{dimension}' {of_year} {of_key}"""
# The list's filters whose count is a kept dimension's, by key: each live application counts once under
# each QPV it serves (it names a QPV once: drafting.py stores them as a set), or under `hors-QPV` or `none`
# (the filter chooses by the same keys: statements.py `_served_under`), and under its one operator.
_COUNTED_BY_KEY = {
    "qpv_code": ("qpv", "AND key = :qpv_code", Text),
    "operator_id": ("operator", "AND key = CAST(:operator_id AS text)", Uuid),
}


def _totals(shape: Shape) -> tuple[ClauseElement, frozenset[str]]:
    """Rows as the computed totals' statement gives them (dimension, key, count, requested, proposed,
    decided, funded, beneficiaries), and one more: `kept`, how many kept rows were added up beyond one per
    key (the operators, objectives and financers are the contract's own, as its applications')."""
    if shape not in KEPT_SHAPES:
        raise ValueError(f"the totals of {sorted(shape)} are not kept")
    return _bound(_TOTALS, shape, per=_PER_KEY_OF_A_YEAR if "year" in shape else _PER_KEY)


KEPT_TOTALS = CompiledOnce(_totals)


def kept_count(shape: Shape) -> tuple[ClauseElement, frozenset[str]] | None:
    """How many applications a programmation list of a contract (or of a year) holds, from the `counts`
    sums its writes keep (one live application: one), or of a QPV or an operator, from theirs; None: the
    list's filters are not kept."""
    if shape in KEPT_SHAPES:
        return _bound(_COUNT, shape, dimension="counts", of_key="")
    keyed = shape - {"year"}
    if len(keyed) != 1 or not keyed <= _COUNTED_BY_KEY.keys():
        return None
    (name,) = keyed
    dimension, of_key, key_type = _COUNTED_BY_KEY[name]
    statement, names = _bound(_COUNT, shape - keyed, dimension=dimension, of_key=of_key)
    return statement.bindparams(bindparam(name, type_=key_type)), names | keyed


def _bound(template: str, shape: Shape, **parts: str) -> tuple[TextClause, frozenset[str]]:
    """The statement `template` writes on the kept sums of `:contract_code` (its `{of_year}`: and of `:year`
    when the shape asks one; its other parts given), with the parameters the caller binds."""
    of_year = "year" in shape
    statement = text(template.format(of_year="AND year = :year" if of_year else "", **parts)).bindparams(
        bindparam("contract_code", type_=Text), *([bindparam("year", type_=Integer)] if of_year else [])
    )
    return statement, shape | {"contract_code"}


def _compaction(_: Shape) -> tuple[ClauseElement, frozenset[str]]:
    """The contract's sums folded into one row per year, dimension and key: the rows deleted are those this
    statement sees, so a write committing meanwhile keeps its own rows and nothing is counted twice; one
    folding at a time per contract (another running: this one does nothing)."""
    statement = text(
        """
        WITH alone AS (
            SELECT pg_try_advisory_xact_lock(hashtextextended('programmation_sums:' || :contract_code, 0)) AS got
        ), gone AS (
            DELETE FROM grants.programmation_sums
            WHERE contract_code = :contract_code AND (SELECT got FROM alone)
            RETURNING contract_code, year, dimension, key, applications, requested_cents, proposed_cents,
                      decided_cents, funded, beneficiaries
        )
        INSERT INTO grants.programmation_sums (contract_code, year, dimension, key, applications,
            requested_cents, proposed_cents, decided_cents, funded, beneficiaries)
        SELECT contract_code, year, dimension, key, sum(applications), sum(requested_cents),
               sum(proposed_cents), sum(decided_cents), sum(funded), sum(beneficiaries)
        FROM gone GROUP BY contract_code, year, dimension, key
        HAVING (sum(applications), sum(requested_cents), sum(proposed_cents), sum(decided_cents), sum(funded),
                sum(beneficiaries)) <> (0, 0, 0, 0, 0, 0)
        """
    ).bindparams(bindparam("contract_code", type_=Text))
    return statement, frozenset({"contract_code"})


COMPACTION = CompiledOnce(_compaction)
