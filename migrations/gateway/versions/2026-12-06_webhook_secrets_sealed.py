"""Webhook secrets sealed at rest (gateway/webhooks/sealing.py): the secrets gate0003 kept in clear are sealed
with GATEWAY_WEBHOOK_SECRETS_KEY, read from the migration's environment (needed only when such rows exist;
rows sealed already are left alone); the remembered answers of creations and rotations (a day's
Idempotency-Keys) lose their secret, as the gateway now remembers them. Downgrade opens the secrets again.

Revision ID: gate0005
Revises: gate0004
Create Date: 2026-12-06 00:40:00
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet

revision: str = "gate0005"
down_revision: str | None = "gate0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_VARIABLE = "GATEWAY_WEBHOOK_SECRETS_KEY"
CLEAR = "whsec_"  # the Standard Webhooks prefix of every secret in clear


def _fernet() -> Fernet:
    key = os.environ.get(KEY_VARIABLE)
    if not key:
        raise RuntimeError(f"{KEY_VARIABLE} must be set: webhook secrets are kept, and must be (un)sealed with it")
    return Fernet(key.encode())


def _convert(seal: bool) -> None:
    """Seal the secrets in clear (or open the sealed ones); a client holds a handful: read them all."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT subscription_id, secret, previous_secret FROM gateway.webhook_subscriptions"))

    def pending(value: str | None) -> bool:
        return value is not None and value.startswith(CLEAR) == seal

    todo = [row for row in rows.all() if pending(row.secret) or pending(row.previous_secret)]
    if not todo:
        return
    fernet = _fernet()

    def converted(value: str | None) -> str | None:
        if value is None or not pending(value):
            return value
        return fernet.encrypt(value.encode()).decode() if seal else fernet.decrypt(value.encode()).decode()

    for row in todo:
        bind.execute(
            sa.text(
                "UPDATE gateway.webhook_subscriptions SET secret = :secret, previous_secret = :previous"
                " WHERE subscription_id = :id"
            ),
            {"secret": converted(row.secret), "previous": converted(row.previous_secret), "id": row.subscription_id},
        )


def upgrade() -> None:
    _convert(seal=True)
    op.execute(
        "UPDATE gateway.idempotency_keys"
        " SET response_body = convert_to((convert_from(response_body, 'UTF8')::jsonb - 'secret')::text, 'UTF8')"
        " WHERE response_headers ->> 'content-type' LIKE 'application/json%'"
        " AND convert_from(response_body, 'UTF8')::jsonb ->> 'secret' LIKE 'whsec\\_%'"
    )


def downgrade() -> None:
    _convert(seal=False)
