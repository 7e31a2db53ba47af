"""Planning a day in the background: the request, the run, and what came of it.

The solver takes seconds (the benchmark's 30 s for a large day), longer than a web request
should wait. The operator's request is stored as a ``PlanningJob`` row; a job worker
(a thread of the web process, or a Celery worker on another machine: the app chooses)
runs it with ``run_planning_job``, and every web worker shows its progress and outcome
from that row. Nothing about a job lives in one process's memory.

A day has at most one job queued or running: asking again returns it. A job that has been
running for much longer than its budget (its worker died) is given up, so that the day
can be planned again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery.day_problem import PlanningSettings
from delivery.distances import DistanceProvider
from delivery.geocoding import Geocoder, locate_pending
from delivery.model import PlanningJob, PlanningStatus
from delivery.plan_state import now_seconds
from delivery.planning import plan_day
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory

log = logging.getLogger(__name__)

ACTIVE = (PlanningStatus.QUEUED, PlanningStatus.RUNNING)
#: Addresses looked up before a planning (0.2 s apiece at the geocoder's default pace).
LOCATE_UP_TO = 200
#: A job still queued or running this long after it was asked for has lost its worker.
GIVE_UP_AFTER = dt.timedelta(minutes=10)
INTERRUPTED = "La planification a été interrompue : relancez-la."
CRASHED = "La planification a échoué : réessayez ; si cela se reproduit, signalez-le."
UNREACHABLE = (
    "Le service de planification ne répond pas : réessayez dans un moment ; si cela dure, "
    "prévenez l'administrateur."
)


@dataclass(frozen=True)
class PlanningRequest:
    job_id: int
    created: bool
    """False when a job for that day was already queued or running (it is that one)."""


def request_planning(
    *,
    uow: UnitOfWork,
    territory_id: int,
    date: dt.date,
    actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> PlanningRequest:
    """Ask for ``date`` to be planned; the caller then hands the job to a worker.

    A past date is refused at once (``ValidationError``), not by the worker later.
    """
    now = now or utcnow()
    uow.begin_write()
    session = uow.session
    # Locked (PostgreSQL; SQLite's write lock already serialises): two operators asking at
    # the same moment get one job.
    territory = session.get(Territory, territory_id, with_for_update=True)
    if territory is None:
        raise NotFound(what="Territoire")
    now_seconds(date, ZoneInfo(territory.timezone), now)  # refuses a past date
    active = session.scalar(
        select(PlanningJob)
        .where(
            PlanningJob.territory_id == territory_id,
            PlanningJob.date == date,
            PlanningJob.status.in_(ACTIVE),
        )
        .order_by(PlanningJob.id.desc())
        .limit(1)
    )
    if active is not None and not _lost(active, now):
        uow.commit()
        return PlanningRequest(active.id, created=False)
    if active is not None:
        _finish(active, PlanningStatus.FAILED, now, INTERRUPTED)
    job = PlanningJob(
        territory_id=territory_id,
        date=date,
        status=PlanningStatus.QUEUED,
        requested_by_id=actor.user_id if actor else None,
        requested_at=now,
    )
    session.add(job)
    uow.commit()
    return PlanningRequest(job.id, created=True)


def abandon_job(*, uow: UnitOfWork, job_id: int, message: str) -> None:
    """Record that a queued job will not run (no worker could be reached)."""
    uow.begin_write()
    job = uow.session.get(PlanningJob, job_id, with_for_update=True)
    if job is not None and job.status is PlanningStatus.QUEUED:
        _finish(job, PlanningStatus.FAILED, utcnow(), message)
    uow.commit()


def run_planning_job(
    *,
    uow: UnitOfWork,
    job_id: int,
    distances: DistanceProvider,
    settings: PlanningSettings | None = None,
    geocoder: Geocoder | None = None,
    now: dt.datetime | None = None,
) -> PlanningStatus:
    """Plan the job's day (``delivery.planning.plan_day``) and record the outcome.

    With a ``geocoder``, the day's home addresses still placed at their commune's centre
    are looked up first (``geocoding.locate_pending``; a dead service is asked once and the
    addresses stay approximate), so that the rounds go to the doors, not to the town halls.

    Runs a job once: a job already taken by another worker (its row is locked while it is
    taken), finished or given up is left alone. Never raises for a planning that fails: the
    job says why.
    """
    started = now or utcnow()
    uow.begin_write()
    job = uow.session.get(PlanningJob, job_id, with_for_update=True)
    if job is None or job.status is not PlanningStatus.QUEUED:
        uow.commit()
        return job.status if job is not None else PlanningStatus.FAILED
    job.status, job.started_at = PlanningStatus.RUNNING, started
    territory_id, date, user_id = job.territory_id, job.date, job.requested_by_id
    uow.commit()

    actor = Actor(user_id=user_id) if user_id is not None else Actor.system()
    try:
        if geocoder is not None:
            located, left = locate_pending(
                uow=uow,
                territory_id=territory_id,
                date=date,
                geocoder=geocoder,
                limit=LOCATE_UP_TO,
                now=started,
            )
            log.info("planning job %s: %s addresses located, %s left", job_id, located, left)
        report = plan_day(
            uow=uow,
            territory_id=territory_id,
            date=date,
            distances=distances,
            settings=settings,
            actor=actor,
            now=started,
        )
    except DomainError as error:
        uow.rollback()
        return _record(uow, job_id, PlanningStatus.FAILED, message=str(error))
    except Exception:
        log.exception("planning job %s failed", job_id)
        uow.rollback()
        return _record(uow, job_id, PlanningStatus.FAILED, message=CRASHED)
    return _record(
        uow,
        job_id,
        PlanningStatus.DONE,
        planned=report.planned,
        unplanned=len(report.unplanned),
        runs=report.runs,
        kept_stops=report.kept_stops,
        returns=report.returns,
        returns_left_out=report.returns_left_out,
        returns_without_round=report.returns_without_round,
    )


@dataclass(frozen=True)
class JobView:
    """A planning job as the board shows it."""

    id: int
    status: PlanningStatus
    requested_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    planned: int
    unplanned: int
    runs: int
    kept_stops: int
    message: str
    returns: int = 0
    returns_left_out: int = 0
    """Returned orders whose way back found no room on the day's rounds (they wait)."""
    returns_without_round: int = 0
    """Returned orders whose way back no round can ever take (they wait for none)."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def latest_job(
    session: Session, territory_id: int, date: dt.date, *, now: dt.datetime | None = None
) -> JobView | None:
    """The day's latest planning job; a lost one reads as failed (interrupted)."""
    job = session.scalar(
        select(PlanningJob)
        .where(PlanningJob.territory_id == territory_id, PlanningJob.date == date)
        .order_by(PlanningJob.id.desc())
        .limit(1)
    )
    if job is None:
        return None
    status, message = job.status, job.message
    if status in ACTIVE and _lost(job, now or utcnow()):
        status, message = PlanningStatus.FAILED, INTERRUPTED
    return JobView(
        job.id,
        status,
        job.requested_at,
        job.started_at,
        job.finished_at,
        job.planned,
        job.unplanned,
        job.runs,
        job.kept_stops,
        message,
        job.returns,
        job.returns_left_out,
        job.returns_without_round,
    )


def _lost(job: PlanningJob, now: dt.datetime) -> bool:
    return now - job.requested_at > GIVE_UP_AFTER


def _record(
    uow: UnitOfWork, job_id: int, status: PlanningStatus, *, message: str = "", **counts: int
) -> PlanningStatus:
    uow.begin_write()
    job = uow.session.get_one(PlanningJob, job_id, with_for_update=True)
    _finish(job, status, utcnow(), message)
    for name, value in counts.items():
        setattr(job, name, value)
    uow.commit()
    return status


def _finish(job: PlanningJob, status: PlanningStatus, now: dt.datetime, message: str) -> None:
    job.status, job.finished_at, job.message = status, now, message[:500]
