"""In Chromium, on a phone: a merchant's typing survives the other buttons of the page.

Found by a QA walk: on the product page, « Mettre en premier » or « Retirer » on a photo
reloaded the page and dropped a price just changed; on « Ma boutique », « Enregistrer les
horaires » dropped the presentation typed above it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shop_core.catalogue.model import Product
from shop_core.database import Database
from tests.web.backoffice import png_bytes
from tests.web.conftest import World

from .conftest import PHONE, LiveServer, log_in, shot


def test_a_photo_button_keeps_the_price_typed_and_enter_still_saves(
    world: World, db: Database, server: LiveServer, page_factory: Any, tmp_path: Path
) -> None:
    photo = tmp_path / "pain.png"
    photo.write_bytes(png_bytes(300, 200))
    page = page_factory(PHONE)
    log_in(page, server, world.baker_email)
    edit = f"{server.url}/boutique/produits/{world.bread_id}"
    for _ in range(2):
        page.goto(edit)
        page.set_input_files("input[name=photo]", str(photo))
        page.get_by_role("button", name="Enregistrer").last.click()
        page.wait_for_load_state()
    page.goto(edit)

    page.get_by_label("Prix TTC en euros").fill("4,20")
    page.get_by_role("button", name="Mettre en premier").click()
    page.wait_for_load_state()
    shot(page, "merchant-photo-first-keeps-typing-360")

    assert page.get_by_label("Prix TTC en euros").input_value() == "4,20"
    assert page.get_by_text("Cette photo est maintenant la photo principale.").count() == 1
    page.get_by_label("Prix TTC en euros").press("Enter")  # saves, moves no photo
    page.wait_for_url(f"{server.url}/boutique/produits*")
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.bread_id).price_cents == 420


def test_saving_the_hours_keeps_the_presentation_typed_above(
    world: World, server: LiveServer, page_factory: Any
) -> None:
    page = page_factory(PHONE)
    log_in(page, server, world.baker_email)
    page.goto(f"{server.url}/boutique/ma-boutique")

    page.locator("textarea[name=description]").fill("Pain au levain, cuit sur sole")
    page.locator("#j0-ferme").uncheck()
    page.locator("#j0-de1").fill("09:00")
    page.locator("#j0-a1").fill("12:00")
    page.get_by_role("button", name="Enregistrer les horaires").click()
    page.wait_for_load_state()
    shot(page, "merchant-hours-keep-presentation-360")

    assert page.locator("textarea[name=description]").input_value() == (
        "Pain au levain, cuit sur sole"
    )
    assert page.get_by_text("La présentation que vous avez changée plus haut").is_visible()


def test_leaving_the_product_page_with_changes_asks_first_and_without_does_not(
    world: World, server: LiveServer, page_factory: Any
) -> None:
    page = page_factory(PHONE)
    log_in(page, server, world.baker_email)
    edit = f"{server.url}/boutique/produits/{world.bread_id}"
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # « stay on this page »

    page.on("dialog", answer)
    page.goto(edit)
    page.get_by_role("link", name="Mes produits").first.click()
    page.wait_for_url(f"{server.url}/boutique/produits")
    assert asked == []

    page.goto(edit)
    page.get_by_label("Prix TTC en euros").fill("4,20")
    page.get_by_role("link", name="Mes produits").first.click()
    page.wait_for_timeout(500)

    assert asked == ["beforeunload"]
    assert page.url == edit
    assert page.get_by_label("Prix TTC en euros").input_value() == "4,20"
