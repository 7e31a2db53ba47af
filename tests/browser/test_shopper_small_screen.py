"""In Chromium at 360 px: a shopper's small links are tap targets and nothing leaves its card.

Found by a QA walk on a phone: the footer's « English », « Mot de passe oublié ? » and a shop's
phone number on an order were one line of text high; the order number's dashed box on the
confirmation (345 px in a 325 px card) and a long e-mail on « Mon compte » went past their card.
"""

from __future__ import annotations

from typing import Any

from shop_core.accounts.model import User
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from tests.web.conftest import NOW, World, login
from tests.web.shopping import add, place_order

from .conftest import PHONE, LiveServer, log_in, shot

# No hyphen: a browser breaks a line after one, never after a dot or the @.
LONG_EMAIL = "jeanne.martin.delacourt.saintpolsurternoise@messagerieduternois.example.fr"

# No hyphen: a browser breaks a line after one, never after a dot or the @.
LONG_EMAIL = "jeanne.martin.delacourt.saintpolsurternoise@messagerieduternois.example.fr"
TAP = 44


def _height(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not shown"
    return float(box["height"])


def _overflow(page: Any, inner: str, outer: str) -> float:
    """How far the first ``inner`` (or its text) goes past the inner edge (padding) of its
    closest ``outer``."""
    return float(
        page.eval_on_selector(
            inner,
            f"""e => {{
                const card = e.closest({outer!r});
                const edge = card.getBoundingClientRect().right
                    - parseFloat(getComputedStyle(card).paddingRight);
                const own = e.getBoundingClientRect().left + e.scrollWidth;
                return Math.max(e.getBoundingClientRect().right, own) - edge;
            }}""",
        )
    )


def _order_for(live_app: Any, email: str, product_id: int) -> str:
    """An order of the test shopper, placed through the pages (no CSRF token to copy)."""
    live_app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = live_app.test_client()
        login(client, email)
        add(client, product_id, 1)
        placed = place_order(client)
        assert placed.status_code == 302, placed.get_data(as_text=True)[:500]
    finally:
        live_app.config["WTF_CSRF_ENABLED"] = True
    return str(placed.headers["Location"]).split("/commande/", 1)[1].split("/", 1)[0]


def test_a_shoppers_small_links_are_tap_targets(
    db: Database, world: World, live_app: Any, server: LiveServer, page_factory: Any
) -> None:
    live_app.config["FIXED_NOW"] = NOW
    with db.uow() as uow:
        uow.session.get_one(Merchant, world.baker_id).phone = "03 21 12 34 56"
        uow.commit()
    reference = _order_for(live_app, world.shopper_email, world.bread_id)

    page = page_factory(PHONE)
    page.goto(f"{server.url}/login")
    assert _height(page, ".lang-switch a") >= TAP
    assert _height(page, "main a[href$='/password/forgot']") >= TAP
    # The footer invites shopkeepers to sell too.
    assert page.locator(".site-footer a[href$='/vendre']").is_visible()
    assert _height(page, ".site-footer a[href$='/vendre']") >= TAP

    log_in(page, server, world.shopper_email)
    page.goto(f"{server.url}/mes-commandes/{reference}")
    assert _height(page, "a[href^='tel:']") >= TAP


def test_the_order_number_and_a_long_email_stay_inside_their_card(
    db: Database, world: World, live_app: Any, server: LiveServer, page_factory: Any
) -> None:
    live_app.config["FIXED_NOW"] = NOW
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).email = LONG_EMAIL
        uow.commit()
    reference = _order_for(live_app, LONG_EMAIL, world.bread_id)

    page = page_factory(PHONE)
    log_in(page, server, LONG_EMAIL)
    page.goto(f"{server.url}/commande/{reference}/confirmation")
    shot(page, "shop-confirmation-360")
    assert _overflow(page, ".code-box", ".panel") <= 0
    assert _overflow(page, ".code-box strong", ".code-box") <= 0
    assert _overflow(page, ".confirmation p", ".panel") <= 0  # « envoyé à <e-mail> »
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"{server.url}/compte")
    shot(page, "shop-account-360")
    assert _overflow(page, ".account-email strong", ".panel") <= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
