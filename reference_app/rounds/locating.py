"""A new order's address is looked up soon after checkout, never during it.

Checkout places a home address at its commune's centre (flagged approximate) and answers at
once; the job below then asks the configured geocoder for the door, in the background
(``reference_app.jobs``), so that the operator's board rarely has addresses left to locate.
If the geocoder is down, or the job cannot be handed over, nothing is lost: the order stays
at its commune's centre and the next planning (or the board's *Localiser* button) tries again.
"""

from __future__ import annotations

import logging

from delivery.geocoding import locate_order
from reference_app import db, jobs
from reference_app.rounds import settings

log = logging.getLogger("cabas.geocoding")

LOCATE_JOB = "delivery.locate_order"


def locate_soon(order_id: int) -> None:
    """Ask for ``order_id``'s address to be geocoded in the background (when a geocoder is
    configured); never raises."""
    if settings.geocoder() is None:
        return
    try:
        jobs.submit(LOCATE_JOB, order_id=order_id)
    except jobs.JobsUnavailable:
        log.warning("order %s not geocoded now: the job service is down", order_id)
    except Exception:  # noqa: BLE001 - an inline job that fails must not fail the checkout
        log.exception("could not geocode order %s", order_id)


@jobs.job(LOCATE_JOB)
def _locate(order_id: int) -> None:
    located = locate_order(
        uow=db.uow(), order_id=order_id, geocoder=settings.geocoder(), now=settings.now()
    )
    log.info("order %s %s", order_id, "located" if located else "left where it was")
