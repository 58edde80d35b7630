"""Applications' expected beneficiaries kept in the domain's names, as activity reports keep theirs.

They were stored in the wire's camelCase (`ageBands`, `shareInQpvPercent`) while every reader — the
evaluation's expected share living in QPV, the programmation export's `beneficiaires_prevus_pct_qpv` —
reads `age_bands` and `share_in_qpv_percent`: the declared share was lost on the way. The keys are renamed
in place; `total`, `women` and `men` are the same in both.

Revision ID: gran0017
Revises: gran0016
Create Date: 2026-12-05 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "gran0017"
down_revision: str | None = "gran0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = (("ageBands", "age_bands"), ("shareInQpvPercent", "share_in_qpv_percent"))


def _rename(pairs: Sequence[tuple[str, str]]) -> None:
    for old, new in pairs:
        op.execute(
            f"UPDATE grants.applications SET beneficiaries = (beneficiaries - '{old}')"  # noqa: S608 - constants
            f" || jsonb_build_object('{new}', beneficiaries -> '{old}') WHERE beneficiaries ? '{old}'"
        )


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename([(new, old) for old, new in RENAMED])
