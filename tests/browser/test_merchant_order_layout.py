"""In Chromium: the merchant's order page on a phone keeps its sections apart."""

from __future__ import annotations

from typing import Any

from shop_core.database import Database
from tests.web.backoffice import merchant_order_of, place_order
from tests.web.conftest import World

from .conftest import LiveServer, log_in

GAP = """() => {
  const facts = document.querySelector('dl.facts');
  const heading = facts.nextElementSibling;
  return [heading.textContent.trim(),
          heading.getBoundingClientRect().top - facts.getBoundingClientRect().bottom];
}"""


def test_the_history_heading_stands_apart_from_the_facts_above_it_on_a_phone(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    mo = merchant_order_of(db, place_order(db, world, {world.bread_id: 1}), world.baker_id)
    page = page_factory({"width": 360, "height": 780})
    log_in(page, server, world.baker_email)
    page.goto(f"{server.url}/boutique/commandes/{mo.id}")

    heading, gap = page.evaluate(GAP)

    assert heading == "Historique"
    assert gap >= 16  # a line's worth, as between the other sections (was 0: stuck)
