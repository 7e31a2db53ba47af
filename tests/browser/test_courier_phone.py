"""In Chromium, on a 360 px phone held in one hand: the answer to a tap is on screen where
the courier tapped, and everything the courier taps is at least 44 px high."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import StopKind
from shop_core.database import Database
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order, PaymentMethod
from tests.web.backoffice import place_order
from tests.web.conftest import World
from tests.web.rounds_setup import (
    ON_THE_DAY,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    plan,
    stops,
)

from .conftest import PHONE, LiveServer, log_in, shot

#: The smallest target a thumb hits reliably (WCAG 2.5.5, Apple and Android guidelines).
THUMB = 44

IN_VIEW = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.fixture(autouse=True)
def _delivery_app(live_app: Any) -> None:
    configure(live_app)
    live_app.config["FIXED_NOW"] = ON_THE_DAY  # the round's day: its stops can be recorded


def on_the_day(
    server: LiveServer, page_factory: Any, db: Database, world: World, *, ready: bool
) -> Any:
    """Jeanne's loaf planned for Tuesday; the courier's phone on Tuesday's page."""
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    if ready:
        make_ready(db, oid)
    plan(db, world)
    page = page_factory(PHONE)
    log_in(page, server, world.courier_email)
    page.goto(f"{server.url}/livreur/?date={TUESDAY.isoformat()}")
    return page


def test_a_refused_collection_shows_why_where_the_courier_tapped(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    page = on_the_day(server, page_factory, db, world, ready=False)
    pickup = next(s for s in stops(db, world) if s.kind is StopKind.COLLECT)

    page.get_by_role("button", name="Colis collectés (1)").click()
    page.wait_for_load_state()

    why = f"#arret-{pickup.id} .error"
    assert "pas encore prête" in page.inner_text(why)
    assert page.evaluate(IN_VIEW, why), "the reason is off screen"
    shot(page, "courier-refused-collection-360")


def test_a_recorded_tap_is_confirmed_in_its_stops_card_on_screen(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    page = on_the_day(server, page_factory, db, world, ready=True)
    pickup = next(s for s in stops(db, world) if s.kind is StopKind.COLLECT)

    page.get_by_role("button", name="Colis collectés (1)").click()
    page.wait_for_load_state()

    told = f"#arret-{pickup.id} .flash"
    assert page.inner_text(told) == "Collecte enregistrée : 1 commande à bord."
    assert page.evaluate(IN_VIEW, told), "the confirmation is off screen"
    shot(page, "courier-collected-360")


def too_small(page: Any, selector: str) -> list[str]:
    """The elements of ``selector`` shorter or narrower than a thumb, with their size."""
    found: list[str] = page.evaluate(
        """([selector, least]) => [...document.querySelectorAll(selector)]
          .map((e) => [e, e.getBoundingClientRect()])
          .filter(([e, box]) => box.height < least || box.width < least)
          .map(([e, box]) => `${e.textContent.trim()} ${box.width | 0}x${box.height | 0}`)""",
        [selector, THUMB],
    )
    return found


def test_what_a_courier_taps_is_big_enough_for_a_thumb(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    page = on_the_day(server, page_factory, db, world, ready=True)
    drop = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    page.wait_for_selector(".round-map .leaflet-control-zoom-in")

    assert too_small(page, ".visit-fix a") == []
    assert too_small(page, ".round-map .leaflet-control-zoom a") == []

    page.goto(f"{server.url}/livreur/arrets/{drop.id}/echec")
    # A reason is tapped anywhere on its line, not only on its words or its 24 px circle.
    # Five reasons, and the two places a parcel may go after most (refused: its shop only).
    assert page.locator("label.choice:visible").count() == 7
    assert too_small(page, "fieldset > label.choice, .then-choice:not([hidden]) > label") == []
    assert too_small(page, ".back-link a") == []
    shot(page, "courier-failed-form-360")


def test_a_parcel_refused_at_the_door_is_offered_only_its_way_back_to_the_shop(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    page = on_the_day(server, page_factory, db, world, ready=True)
    pickup, drop = stops(db, world)
    page.locator(f"#arret-{pickup.id}").get_by_role("button", name="Colis collectés (1)").click()
    page.goto(f"{server.url}/livreur/arrets/{drop.id}/echec")
    then = page.locator('.then-choice:visible input[name="then"]')
    assert then.count() == 2 and then.first.is_checked()  # next round, as before

    page.get_by_label("Colis refusé par le client").check()
    assert page.locator(".then-choice:visible label").all_inner_texts() == [
        "Le renvoyer à sa boutique"
    ]
    assert page.get_by_label("Le renvoyer à sa boutique").is_checked()
    assert page.get_by_text("Un colis refusé n'est pas représenté").is_visible()
    shot(page, "courier-refused-form-360")
    page.get_by_label("Personne à l'adresse").check()  # changed their mind: as before
    assert page.get_by_label("Le représenter à la prochaine tournée").is_checked()
    assert not page.get_by_label("Le renvoyer à sa boutique").is_visible()

    page.get_by_label("Colis refusé par le client").check()
    page.get_by_role("button", name="Enregistrer l'échec").click()
    page.wait_for_url(f"**/livreur/?date={TUESDAY.isoformat()}#arret-{drop.id}")
    assert (
        "Refus noté : le colis retourne à sa boutique."
        in page.locator(f"#arret-{drop.id}").inner_text()
    )
    with db.uow() as uow:
        returned = uow.session.get_one(MerchantOrder, drop.merchant_order_id)
        assert returned.status is MerchantOrderStatus.RETURNED


def test_at_a_door_with_two_orders_the_amount_to_take_follows_the_ticks(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    """Jeanne's bread is paid at the door, her apples (a second order) were paid online:
    the card's « À encaisser » line and the payment's legend follow what she takes."""
    add_fleet(db, world)
    bread_order = place_order(db, world, {world.bread_id: 1})
    apples_order = place_order(db, world, {world.apples_id: 1})
    for oid in (bread_order, apples_order):
        make_ready(db, oid)
    plan(db, world)
    with db.uow() as uow:
        uow.session.get_one(Order, apples_order).payment_method = PaymentMethod.ONLINE
        bread = uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == bread_order)
        ).one()
        bread_due, bread_id = bread.total_incl_cents, bread.id
        uow.commit()
    page = page_factory(PHONE)
    log_in(page, server, world.courier_email)
    page.goto(f"{server.url}/livreur/?date={TUESDAY.isoformat()}")
    for pickup in [s for s in stops(db, world) if s.kind is StopKind.COLLECT]:
        page.locator(f"#arret-{pickup.id}").get_by_role("button", name="Colis collectés").click()
        page.wait_for_load_state()
    drop = next(s for s in stops(db, world) if s.kind is StopKind.DELIVER)
    card = page.locator(f"#arret-{drop.id}")
    means = card.locator("fieldset.means")

    def said() -> tuple[str, str]:
        line = card.locator(".visit-payment").inner_text()
        legend = means.locator("legend").inner_text()
        return " ".join(line.split()), " ".join(legend.split())

    euros = f"{bread_due // 100},{bread_due % 100:02d} €"
    assert said() == (f"À encaisser : {euros}", f"Paiement reçu ({euros})")
    shot(page, "courier-door-two-orders-360")

    card.locator(f'input[name="remise"][value="{bread_id}"]').uncheck()  # she refuses the bread

    assert said()[0] == "À encaisser : 0,00 €"
    assert not means.is_visible()  # nothing to take: no payment to say
    shot(page, "courier-door-two-orders-bread-refused-360")

    card.locator(f'input[name="remise"][value="{bread_id}"]').check()

    assert said() == (f"À encaisser : {euros}", f"Paiement reçu ({euros})")
    assert means.is_visible()
