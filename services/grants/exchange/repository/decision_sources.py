"""Where our files read a decision's day and Chorus EJ when its financing line holds none (a decisions
file sets them on the line): the application's last "decide" move, and the tranches paid under an EJ.
Each is one grouped read joined to the lines, never a query per line (a national call has some 100,000)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Date, Subquery, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from services.grants.applications.domain.workflow import Transition
from services.grants.applications.models import ApplicationEventRow, ApplicationRow
from services.grants.payments.domain import TrancheStatus
from services.grants.payments.models import TrancheRow


def decision_days(applications: ColumnElement[bool]) -> Subquery:
    """(application_id, day) of each application `applications` keeps that was decided: the day of its
    last "decide" move, in UTC as the platform counts days (kit/clock.py, day_of)."""
    return (
        select(
            ApplicationEventRow.application_id,
            cast(func.timezone("UTC", func.max(ApplicationEventRow.at)), Date).label("day"),
        )
        .join(ApplicationRow, ApplicationRow.application_id == ApplicationEventRow.application_id)
        .where(applications, ApplicationEventRow.transition == Transition.DECIDE.value)
        .group_by(ApplicationEventRow.application_id)
        .subquery()
    )


def paid_commitments(applications: ColumnElement[bool]) -> Subquery:
    """(application_id, institution_id, commitment) of each financer's line paid under a Chorus EJ: the EJ
    of its last tranche paid (a tranche replaced after a failed payment left aside)."""
    ordered = aggregate_order_by(
        TrancheRow.chorus_commitment, TrancheRow.paid_on.desc().nulls_last(), TrancheRow.position.desc()
    )
    return (
        select(TrancheRow.application_id, TrancheRow.institution_id, func.array_agg(ordered)[1].label("commitment"))
        .join(ApplicationRow, ApplicationRow.application_id == TrancheRow.application_id)
        .where(
            applications,
            TrancheRow.chorus_commitment.is_not(None),
            TrancheRow.status != TrancheStatus.REPLACED.value,
        )
        .group_by(TrancheRow.application_id, TrancheRow.institution_id)
        .subquery()
    )
