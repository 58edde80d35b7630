"""What a retention run answers: counts only (never whose data went)."""

from __future__ import annotations

from kit.api_models import ApiModel


class RetentionRunRead(ApiModel):
    draws_purged: int
    pool_identities_deleted: int
    member_identities_deleted: int
    consultation_contacts_deleted: int
