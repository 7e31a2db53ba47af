"""Background jobs: run in a thread of this process, on Celery workers, or at once.

``CABAS_JOBS`` chooses, with the same code behind each:

- ``thread`` (default): threads of the web process that asked, one long job (a planning)
  at a time and one short job (an e-mail, an address to look up) at a time beside it; for
  the embedded set-up (`make run`: one process, SQLite);
- ``celery``: a Celery worker, through the broker ``CABAS_CELERY_BROKER_URL`` (Redis); for
  production, with several web workers on several machines;
- ``inline``: in the request, before the response; for tests.

A job is a function registered with ``@job(name)``; it takes plain JSON arguments (ids,
ISO dates) and runs in an app context of its own, so with its own unit of work. What it
produces goes to the database, never to a process's memory: any web worker reads it.

Celery workers: ``celery -A reference_app.worker worker --pool solo`` (one job at a time
per worker process; the planner itself uses two processes, which Celery's default prefork
pool does not allow a task to start). Long jobs go to the queue ``<CELERY_QUEUE>.long``
(``cabas.long``), the others to ``CELERY_QUEUE`` (``cabas``); a worker started without
``-Q`` takes from both, so with a single one the e-mails and address look-ups submitted
during a planning wait for it. In production start one worker per queue at least:
``… worker --pool solo -Q cabas.long`` for plannings and ``… -Q cabas`` for the rest.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any

from celery import Celery
from flask import Flask, current_app
from kombu import Queue

log = logging.getLogger("cabas.jobs")

TASK = "cabas.run_job"
ROUTINES_TASK = "cabas.routines"  # see reference_app.routines
ROUTINES_EVERY_S = 60.0
BACKENDS = ("thread", "celery", "inline")

_JOBS: dict[str, Callable[..., None]] = {}
_LONG: set[str] = set()


class JobsUnavailable(Exception):
    """The job could not be handed over (the broker is down); it has not run."""


def job(name: str, *, long: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``function`` as the job ``name``. With the thread backend, ``long`` jobs (a
    planning: seconds on both cores) run one at a time in a thread of their own, so that
    the short ones (an e-mail, an address to look up) never wait behind them."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        _JOBS[name] = function
        if long:
            _LONG.add(name)
        return function

    return register


def init_app(app: Flask) -> None:
    backend = app.config["JOBS"]
    if backend not in BACKENDS:
        raise RuntimeError(f"CABAS_JOBS={backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend == "celery" and not app.config.get("CELERY_BROKER_URL"):
        raise RuntimeError("CABAS_JOBS=celery needs CABAS_CELERY_BROKER_URL (redis://…)")


def submit(name: str, **arguments: Any) -> None:
    """Run the job ``name`` with ``arguments`` where the configuration says."""
    if name not in _JOBS:
        raise KeyError(f"unknown job {name!r}")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = app.config["JOBS"]
    if backend == "inline":
        run(app, name, arguments)
    elif backend == "celery":
        try:
            celery = celery_app(app)
            queue = long_queue(app) if name in _LONG else celery.conf.task_default_queue
            celery.send_task(TASK, args=(name, arguments), queue=queue)
        except Exception as error:  # kombu's connection errors, whatever the transport
            log.error("could not hand job %s to the broker: %s", name, error)
            raise JobsUnavailable(str(error)) from error
    else:
        future = _executor(app, "long" if name in _LONG else "short").submit(
            run, app, name, arguments
        )
        future.add_done_callback(_log_failure)


def run(app: Flask, name: str, arguments: dict[str, Any]) -> None:
    """Run a registered job in an app context of its own (entry point of every backend)."""
    with app.app_context():
        _JOBS[name](**arguments)


def celery_app(app: Flask) -> Celery:
    """The app's Celery client and worker application, with the job task registered."""
    found: Celery | None = app.extensions.get("cabas_celery")
    if found is not None:
        return found
    celery = Celery("cabas", broker=app.config["CELERY_BROKER_URL"], set_as_current=False)
    celery.conf.update(
        task_ignore_result=True,
        task_acks_late=True,  # a job whose worker dies goes back to the queue
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_default_queue=app.config.get("CELERY_QUEUE", "cabas"),
        # A worker started without -Q takes from both queues.
        task_queues=(Queue(app.config.get("CELERY_QUEUE", "cabas")), Queue(long_queue(app))),
    )

    celery.flask_app = app  # type: ignore[attr-defined]
    celery.task(name=TASK, bind=True)(_run_job)
    celery.task(name=ROUTINES_TASK, bind=True)(_run_routines)
    if app.config.get("ROUTINES") == "on":
        # `celery -A reference_app.worker beat` hands a tick to a worker every minute.
        celery.conf.beat_schedule = {
            "cabas-routines": {"task": ROUTINES_TASK, "schedule": ROUTINES_EVERY_S}
        }
    app.extensions["cabas_celery"] = celery
    return celery


def long_queue(app: Flask) -> str:
    """The Celery queue of the long jobs (plannings), beside the default one."""
    return f"{app.config.get('CELERY_QUEUE', 'cabas')}.long"


def _run_job(task: Any, name: str, arguments: dict[str, Any]) -> None:
    # The task of every Celery app of the process: the Flask app is the one of the Celery
    # app whose worker runs it (tests build several apps in one process).
    run(task.app.flask_app, name, arguments)


def _run_routines(task: Any) -> None:
    from reference_app import routines  # routines submit jobs: imported when needed

    routines.run_tick(task.app.flask_app)


def _executor(app: Flask, lane: str) -> concurrent.futures.ThreadPoolExecutor:
    """The app's thread for ``lane`` jobs (one job at a time in each lane)."""
    lanes: dict[str, concurrent.futures.ThreadPoolExecutor] = app.extensions.setdefault(
        "cabas_jobs", {}
    )
    if lane not in lanes:
        lanes[lane] = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix=f"cabas-job-{lane}"
        )
    return lanes[lane]


def finish(app: Flask) -> None:
    """Wait for the jobs handed to this app's threads so far (tests; a clean shutdown)."""
    lanes: dict[str, concurrent.futures.ThreadPoolExecutor] = app.extensions.pop("cabas_jobs", {})
    for executor in lanes.values():
        executor.shutdown(wait=True)


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("background job failed", exc_info=error)
