"""How long personal data stays (RGPD art. 5.1.e: no longer than its purpose needs), as the record of
processing states it (`data_inventory.RETENTION`)."""

from __future__ import annotations

from datetime import date

from services.participation.opinions.domain import add_months

FORMER_MEMBER_YEARS = 3  # a former member's identity, after their last mandate ended
CONTACT_MONTHS = 12  # a contact left in a consultation, after the campaign ended


def former_members_before(today: date, member_years: int = FORMER_MEMBER_YEARS) -> date:
    """Identities of people whose last mandate ended before this day go."""
    return add_months(today, -12 * member_years)


def campaigns_ended_before(today: date) -> date:
    """Contacts left in campaigns that ended before this day go."""
    return add_months(today, -CONTACT_MONTHS)
