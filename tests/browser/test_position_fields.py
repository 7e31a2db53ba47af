"""In Chromium: a position typed with the French comma, as the forms' hints write it, is
kept whatever the browser's language (a number box set to English dropped the comma, and
« 50,3979 » reached the server as 503979)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from delivery.model import Depot
from shop_core.database import Database
from tests.web.conftest import World

from .conftest import LiveServer, log_in


def test_a_depot_position_typed_with_a_comma_is_kept_in_an_english_browser(
    db: Database, world: World, server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        log_in(page, server, world.operator_email)
        page.goto(f"{server.url}/admin/depots/nouveau")
        assert page.locator("#lat").get_attribute("type") == "text"
        assert page.locator("#lat").get_attribute("inputmode") == "decimal"
        page.locator("#name").fill("Hub de Saint-Pol")
        page.locator("#address").fill("Rue d'Hesdin")
        page.locator("#postal_code").fill("62130")
        page.locator("#city").fill("Saint-Pol-sur-Ternoise")
        page.locator("#lat").fill("50,3797")
        page.locator("#lon").fill("2,3365")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
    finally:
        context.close()
    with db.uow() as uow:
        depot = uow.session.scalar(select(Depot).where(Depot.name == "Hub de Saint-Pol"))
        assert depot is not None
        assert (depot.lat, depot.lon) == (50.3797, 2.3365)
