"""In Chromium: the opening hours of « Ma boutique » fit a phone, each time shown whole."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import World

from .conftest import LiveServer, log_in, shot

# Each input next to a copy of itself left at its natural width: what the browser needs to
# show the time whole (« 16:00 », or « 04:00 PM » where it writes 12-hour times).
WIDTHS = """() => [...document.querySelectorAll('#horaires input[type=time]')].map(input => {
  const probe = input.cloneNode();
  probe.removeAttribute('id');
  probe.removeAttribute('name');
  probe.style.width = 'auto';
  probe.style.flex = 'none';
  input.parentNode.appendChild(probe);
  const needed = probe.getBoundingClientRect().width;
  probe.remove();
  return [input.id, input.getBoundingClientRect().width, needed];
})"""


def test_each_opening_time_is_shown_whole_on_a_phone(
    world: World, server: LiveServer, page_factory: Any
) -> None:
    page = page_factory({"width": 390, "height": 844})
    log_in(page, server, world.baker_email)
    page.goto(f"{server.url}/boutique/ma-boutique")
    shot(page, "merchant-shop-settings-phone")

    widths = page.evaluate(WIDTHS)

    assert len(widths) == 7 * 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cut = [(name, round(width), round(needed)) for name, width, needed in widths if width < needed]
    assert cut == []
