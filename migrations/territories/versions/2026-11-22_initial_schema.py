"""initial schema

Revision ID: terr0001
Revises: (none)
Create Date: 2026-11-22 10:43:46.275824
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kit.audit import append_only_trigger_sql, drop_append_only_trigger_sql

revision: str = "terr0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("audit_event_id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_kind", sa.Text(), nullable=False),
        sa.Column("actor_institution", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("audit_event_id", name=op.f("pk_audit_events")),
        schema="territories",
    )
    op.create_table(
        "epcis",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("nom_long", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("code_departement", sa.Text(), nullable=False),
        sa.Column("code_region", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_epcis")),
        schema="territories",
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_keys")),
        schema="territories",
    )
    op.create_table(
        "qpvs",
        sa.Column("qpv_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("generation", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("aliases", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("codes_communes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("code_epci", sa.Text(), nullable=True),
        sa.Column("legal_act", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_year", sa.Integer(), nullable=True),
        sa.Column("perimeter", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("qpv_id", name=op.f("pk_qpvs")),
        sa.UniqueConstraint("code", "generation", name=op.f("uq_qpvs_code_generation")),
        schema="territories",
    )
    op.create_index(
        op.f("ix_qpvs_code_epci"),
        "qpvs",
        ["code_epci"],
        unique=False,
        schema="territories",
    )
    op.create_index(
        op.f("ix_qpvs_generation"),
        "qpvs",
        ["generation"],
        unique=False,
        schema="territories",
    )
    op.create_table(
        "communes",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("nom_searchable", sa.Text(), nullable=False),
        sa.Column("aliases", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("siren", sa.Text(), nullable=True),
        sa.Column("code_epci", sa.Text(), nullable=True),
        sa.Column("code_departement", sa.Text(), nullable=False),
        sa.Column("code_region", sa.Text(), nullable=False),
        sa.Column("codes_postaux", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_year", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_epci"],
            ["territories.epcis.code"],
            name=op.f("fk_communes_code_epci_epcis"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_communes")),
        schema="territories",
    )
    op.create_index(
        op.f("ix_communes_code_epci"),
        "communes",
        ["code_epci"],
        unique=False,
        schema="territories",
    )
    op.create_index(
        op.f("ix_communes_nom_searchable"),
        "communes",
        ["nom_searchable"],
        unique=False,
        schema="territories",
    )
    op.create_table(
        "contracts",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("code_epci", sa.Text(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column("qpv_codes", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("signatories", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["code_epci"],
            ["territories.epcis.code"],
            name=op.f("fk_contracts_code_epci_epcis"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_contracts")),
        schema="territories",
    )
    op.create_index(
        op.f("ix_contracts_code_epci"),
        "contracts",
        ["code_epci"],
        unique=False,
        schema="territories",
    )

    for statement in append_only_trigger_sql("territories"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_trigger_sql("territories"):
        op.execute(statement)
    op.drop_index(op.f("ix_contracts_code_epci"), table_name="contracts", schema="territories")
    op.drop_table("contracts", schema="territories")
    op.drop_index(op.f("ix_communes_nom_searchable"), table_name="communes", schema="territories")
    op.drop_index(op.f("ix_communes_code_epci"), table_name="communes", schema="territories")
    op.drop_table("communes", schema="territories")
    op.drop_index(op.f("ix_qpvs_generation"), table_name="qpvs", schema="territories")
    op.drop_index(op.f("ix_qpvs_code_epci"), table_name="qpvs", schema="territories")
    op.drop_table("qpvs", schema="territories")
    op.drop_table("idempotency_keys", schema="territories")
    op.drop_table("epcis", schema="territories")
    op.drop_table("audit_events", schema="territories")
