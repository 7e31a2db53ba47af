"""In Chromium: axe-core finds no accessibility problem on the pages of every role.

The demo territory is loaded (merchants, catalogue, orders, today's planned rounds with their
map, parcels waiting at the town hall, a returned parcel), then every role's main pages
are audited at phone width with axe-core (the copy bundled by ``axe-playwright-python``,
injected by Playwright: nothing is fetched from the network), with its default rules
(WCAG 2.0-2.2 A and AA, and its best practices). Forms are audited again after a wrong
submission, since error messages and ``aria-invalid`` only exist then.

Found by this audit when it was written: every form field carried ``aria-invalid="None"``,
``aria-describedby="None"`` and ``inputmode="None"`` (WTForms writes a ``None`` attribute as
that text); the rounds' map was an image (``role="img"``) holding focusable pins and
buttons; the catalogue import's column line scrolled sideways without keyboard access; the
pickup point's orders were headings of the third level under the first.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from delivery.model import DayPlan, RoundRun, Stop
from reference_app.demo import data, loader
from shop_core.accounts.model import User
from shop_core.database import Database
from shop_core.territories.model import Territory

from .conftest import DESKTOP, PHONE, LiveServer, log_in

SHOPPER = "jeanne.martin@ternois.demo"
MERCHANT = "le-cellier-saint-polois@ternois.demo"
COURIER = "livreur@ternois.demo"
OPERATOR = "animation@ternois.demo"
POINT = "mairie-saint-pol@ternois.demo"

# "{day}": a day the demo's courier has a round (see `round_day`).
PAGES: dict[str | None, list[str]] = {
    None: [
        "/",
        "/boutiques",
        "/boutiques/la-maree-de-la-canche",
        "/categories/poissons-et-fruits-de-mer",
        "/recherche?q=pain",
        "/login",
        "/signup",
        "/password/forgot",
    ],
    SHOPPER: ["/panier", "/commande", "/mes-commandes", "/compte", "/compte/adresses/nouvelle"],
    MERCHANT: [
        "/boutique",
        "/boutique/produits",
        "/boutique/produits/nouveau",
        "/boutique/produits/import",
        "/boutique/commandes",
        "/boutique/statistiques",
    ],
    COURIER: ["/livreur/?date={day}"],
    OPERATOR: [
        "/admin",
        "/admin/tournees?date={day}",
        "/admin/tournees/reglages",
        "/admin/tournees/nouvelle",
        "/admin/boutiques",
        "/admin/territoire",
        "/admin/apparence",
        "/admin/communes",
        "/admin/points-retrait",
        "/admin/points-retrait/nouveau",
        "/admin/retraits",
        "/admin/livreurs",
        "/admin/clients",
        "/admin/clients?q=martin",
    ],
    POINT: ["/point-retrait"],
}

# Pages reached from a list (their ids are the demo's): the first link of that kind.
DETAILS: dict[str | None, list[tuple[str, str]]] = {
    None: [("/", "a[href^='/produits/']")],
    SHOPPER: [
        ("/mes-commandes", "a[href^='/mes-commandes/TER-']"),
        ("/compte", "a[href^='/compte/adresses/'][href$='/supprimer']"),
    ],
    MERCHANT: [
        ("/boutique/commandes", "a[href^='/boutique/commandes/']"),
        ("/boutique/produits", "a[href^='/boutique/produits/'][href$='0']"),
    ],
    OPERATOR: [
        ("/admin/boutiques", "a[href^='/admin/boutiques/']:not([href*='?'])"),
        ("/admin/clients?q=martin", "a[href^='/admin/clients/']"),
    ],
}


@pytest.fixture
def demo(db: Database) -> None:
    loader.load(db)


@pytest.fixture
def round_day(db: Database, demo: None) -> str:
    """The first day from today on where the demo's courier has a round with stops (no
    round runs on Sundays, and the tests may run on one): the map pages show that day."""
    with db.uow() as uow:
        zone = ZoneInfo(uow.session.scalars(select(Territory.timezone)).one())
        today = dt.datetime.now(zone).date()
        day = uow.session.scalar(
            select(DayPlan.date)
            .join(RoundRun, RoundRun.plan_id == DayPlan.id)
            .join(User, User.id == RoundRun.courier_id)
            .join(Stop, Stop.run_id == RoundRun.id)
            .where(User.email == COURIER, DayPlan.date >= today)
            .order_by(DayPlan.date)
            .limit(1)
        )
    assert day is not None, "the demo plans no round for its courier"
    return day.isoformat()


@functools.cache
def _axe() -> Any:
    # Reads the bundled axe-core script once, not once per page.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _audit(page: Any) -> list[str]:
    found = []
    for violation in _axe().run(page).response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        found.append(
            f"{page.url}: {violation['impact']} {violation['id']} ({violation['help']}) "
            f"on {', '.join(targets)}"
        )
    return found


def _signed_in(page_factory: Any, server: LiveServer, email: str | None, viewport: Any) -> Any:
    page = page_factory(viewport)
    if email is not None:
        log_in(page, server, email, data.PASSWORD)
        assert "/login" not in page.url, f"{email} could not sign in"
    return page


def _visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")


def test_every_role_s_pages_pass_axe_core_at_phone_width(
    server: LiveServer, page_factory: Any, round_day: str
) -> None:
    problems: list[str] = []
    audited = 0
    for email, paths in PAGES.items():
        page = _signed_in(page_factory, server, email, PHONE)
        for path in paths:
            _visit(page, f"{server.url}{path.format(day=round_day)}")
            problems += _audit(page)
            audited += 1
        for listing, selector in DETAILS.get(email, []):
            _visit(page, f"{server.url}{listing}")
            href = page.locator(selector).first.get_attribute("href")
            assert href, f"no link {selector} on {listing}"
            _visit(page, f"{server.url}{href}")
            problems += _audit(page)
            audited += 1
    assert audited == 42
    assert not problems, "\n".join(problems)


def test_the_map_pages_pass_axe_core_at_desktop_width(
    server: LiveServer, page_factory: Any, round_day: str
) -> None:
    problems: list[str] = []
    maps = (f"/admin/tournees?date={round_day}", f"/livreur/?date={round_day}")
    for email, path in ((OPERATOR, maps[0]), (COURIER, maps[1]), (None, "/")):
        page = _signed_in(page_factory, server, email, DESKTOP)
        _visit(page, f"{server.url}{path}")
        if path != "/":  # the map is drawn (Leaflet's pins and buttons are in the audit)
            assert page.locator(".round-map .leaflet-marker-icon").count() > 0
        problems += _audit(page)
    assert not problems, "\n".join(problems)


@pytest.mark.usefixtures("demo")
def test_forms_sent_wrong_pass_axe_core_with_their_errors_shown(
    server: LiveServer, page_factory: Any
) -> None:
    problems: list[str] = []
    anonymous = page_factory(PHONE)
    _visit(anonymous, f"{server.url}/login")
    anonymous.get_by_label("Adresse e-mail").fill("personne@ternois.demo")
    anonymous.get_by_label("Mot de passe").fill("pas le bon")
    anonymous.get_by_role("button", name="Se connecter").click()
    anonymous.wait_for_load_state()
    problems += _audit(anonymous)
    for email, path in (
        (None, "/signup"),
        (SHOPPER, "/compte/adresses/nouvelle"),
        (MERCHANT, "/boutique/produits/nouveau"),
        (OPERATOR, "/admin/tournees/nouvelle"),
        (OPERATOR, "/admin/points-retrait/nouveau"),
        (OPERATOR, "/admin/clients"),
    ):
        page = _signed_in(page_factory, server, email, PHONE)
        _visit(page, f"{server.url}{path}")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
        invalid = page.locator("[aria-invalid=true]")
        assert invalid.count() > 0, f"{path}: no field marked invalid"
        described = invalid.first.get_attribute("aria-describedby") or ""
        assert page.locator(f"#{described.split()[-1]}").inner_text().strip(), path
        problems += _audit(page)
    assert not problems, "\n".join(problems)
