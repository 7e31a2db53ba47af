"""In Chromium, under the app's Content-Security-Policy: inline code is refused (and our
check sees it), while the vendored Leaflet map draws its stops and loads tiles from the one
configured tile server — here a local server on another port standing in for it."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import delivery.model  # noqa: F401  (delivery tables and migrations)
from reference_app import create_app
from shop_core.database import Database
from tests.web.backoffice import place_order
from tests.web.conftest import World
from tests.web.rounds_setup import (
    ON_THE_DAY,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    place_frevent_order,
    place_neighbour_order,
    plan,
)

from .conftest import DESKTOP, PHONE, LiveServer, is_csp_violation, log_in, shot


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (220, 230, 210)).save(out, format="PNG")
    return out.getvalue()


class TileServer:
    """Answers every GET with the same PNG tile and counts them."""

    def __init__(self) -> None:
        tile = _tile()
        served: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: Any) -> None:
                pass

        self.served = served
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    with TileServer() as server:
        yield server


@pytest.fixture
def mapped_server(db: Database, tmp_path: Path, tiles: TileServer) -> Iterator[LiveServer]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "MAIL_BACKEND": "memory",
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MAP_TILE_URL": f"{tiles.url}/{{z}}/{{x}}/{{y}}.png",
        }
    )
    configure(app)
    app.config["FIXED_NOW"] = ON_THE_DAY  # the round's day: its stops can be recorded
    with LiveServer(app) as live:
        yield live
    app.extensions["cabas_db"].dispose()


def test_inline_script_is_refused_and_reported(
    browser: Any, server: LiveServer, world: World
) -> None:
    context = browser.new_context()
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/")

        with page.expect_console_message(lambda m: is_csp_violation(m.text)) as reported:
            page.evaluate(
                """() => {
                    const s = document.createElement("script");
                    s.textContent = "window.injected = true";
                    document.body.appendChild(s);
                }"""
            )

        assert "script-src" in reported.value.text
        assert page.evaluate("window.injected === undefined")
    finally:
        context.close()


def test_the_courier_map_draws_with_tiles_under_the_policy(
    mapped_server: LiveServer, page_factory: Any, db: Database, world: World, tiles: TileServer
) -> None:
    add_fleet(db, world)
    order = place_order(db, world, {world.bread_id: 1})
    make_ready(db, order)
    plan(db, world)
    page = page_factory(PHONE)
    log_in(page, mapped_server, world.courier_email)

    page.goto(f"{mapped_server.url}/livreur/?date={TUESDAY.isoformat()}")
    page.wait_for_selector(".round-map.leaflet-container")
    page.wait_for_selector(".leaflet-tile-loaded")
    shot(page, "courier-map-csp-360")

    assert page.locator(".stop-pin").count() >= 2  # collect at the baker's, deliver to Jeanne
    assert tiles.served, "no tile was requested from the configured tile server"

    board = page_factory(DESKTOP)
    log_in(board, mapped_server, world.operator_email)
    board.goto(f"{mapped_server.url}/admin/tournees?date={TUESDAY.isoformat()}")
    board.wait_for_selector(".leaflet-container")
    board.wait_for_selector(".leaflet-tile-loaded")


def test_stops_at_one_address_share_one_numbered_pin(
    mapped_server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    # Jeanne and Paul, in one building, each order from the baker: one collection at the
    # baker's (stop 1, both parcels), then a delivery to each at the same address (stops 2
    # and 3, one code each). Without grouping, the pin of stop 3 hid the pin of stop 2.
    add_fleet(db, world)
    make_ready(db, place_order(db, world, {world.bread_id: 1}))
    make_ready(db, place_neighbour_order(db, world))
    plan(db, world)
    page = page_factory(PHONE)
    log_in(page, mapped_server, world.courier_email)

    page.goto(f"{mapped_server.url}/livreur/?date={TUESDAY.isoformat()}")
    page.wait_for_selector(".round-map.leaflet-container .stop-pin")
    shot(page, "courier-map-shared-addresses-360")

    pins = page.locator(".stop-pin")
    assert pins.count() == 2
    assert sorted(pins.all_inner_texts()) == ["1", "2, 3"]
    shared = pins.filter(has_text="2, 3").get_attribute("title") or ""
    assert shared.startswith("2. ") and "\u2022 3. " in shared  # both stops listed


def test_rounds_stopping_at_one_shop_show_side_by_side_pins_on_the_board(
    mapped_server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    # Both rounds of the day collect at the baker's: Saint-Pol's morning round for Jeanne,
    # Frévent's afternoon round for Paul. Their first pins used to lie exactly on top of
    # each other, hiding one round's stop.
    add_fleet(db, world)
    make_ready(db, place_order(db, world, {world.bread_id: 1}))
    make_ready(db, place_frevent_order(db, world))
    plan(db, world)
    board = page_factory(DESKTOP)
    log_in(board, mapped_server, world.operator_email)

    board.goto(f"{mapped_server.url}/admin/tournees?date={TUESDAY.isoformat()}")
    board.wait_for_selector(".round-map.leaflet-container .stop-pin")
    shot(board, "board-map-shared-shop-1280")

    at_baker = board.locator(".stop-pin.stop-collect")
    assert at_baker.count() == 2
    first, second = (at_baker.nth(k).bounding_box() for k in range(2))
    assert first is not None and second is not None
    apart = (
        first["x"] + first["width"] <= second["x"] or second["x"] + second["width"] <= first["x"]
    )
    assert apart, (first, second)
    titles = sorted(at_baker.nth(k).get_attribute("title") or "" for k in range(2))
    assert titles[0].startswith("Frévent après-midi \u2014 1. ")
    assert titles[1].startswith("Saint-Pol matin \u2014 1. ")
    runs = {at_baker.nth(k).get_attribute("class") for k in range(2)}
    assert {"stop-run-0" in c for c in runs if c} == {True, False}  # one colour per round
    strokes = board.eval_on_selector_all(
        "path.round-line", "lines => lines.map(line => getComputedStyle(line).stroke)"
    )
    assert len(strokes) == 2 and len(set(strokes)) == 2, strokes
