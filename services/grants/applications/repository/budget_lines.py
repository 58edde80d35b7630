"""The statement writing one budget's lines."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ARRAY, BigInteger, Integer, Table, Text, Uuid, bindparam, func, insert, select

from services.grants.applications.models import BudgetLineRow


def _budget_lines_added() -> Any:
    """One budget's lines in ONE statement (arrays unnested): the trigger of its kept sums (gran0013) runs
    once, not once per line as it did under the executemany of an ORM flush."""
    arrays = {"positions": Integer, "accounts": Text, "labels": Text, "amounts": BigInteger, "institutions": Uuid}
    added = (
        func.unnest(*(bindparam(name, type_=ARRAY(kind)) for name, kind in arrays.items()))
        .table_valued("position", "account", "label", "amount_cents", "institution_id")
        .render_derived(name="added")
    )
    rows = select(bindparam("application_id", type_=Uuid), *added.c)
    table = cast(Table, BudgetLineRow.__table__)
    return insert(table).from_select(["application_id", *(column.name for column in added.c)], rows)


BUDGET_LINES_ADDED = _budget_lines_added()
