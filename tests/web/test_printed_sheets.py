"""The printed sheets read in the language of the pages they are downloaded from: the
round sheet (the courier's, the operator's) and the packing list (the merchant's)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from delivery.model import RoundRun
from shop_core.database import Database
from tests.integration.test_delivery_sheets import pdf_text

from .conftest import World, login
from .rounds_setup import TUESDAY, configure
from .test_courier import planned_order

DAY = TUESDAY.isoformat()


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def _printed(client: FlaskClient, url: str, lang: str) -> str:
    """The text of the PDF at ``url`` downloaded from a page in ``lang``."""
    client.get(f"/?lang={lang}")  # the language is kept by the session
    answer = client.get(url)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    return pdf_text(answer.data)


def _run_id(db: Database) -> int:
    with db.uow() as uow:
        (run_id,) = uow.session.scalars(
            select(RoundRun.id).where(RoundRun.round.has(name="Saint-Pol matin"))
        )
        return run_id


def _reads_english(sheet: str) -> None:
    assert "Tuesday 24 November 2026" in sheet
    for english in ("Time", "Collection", "Delivery", "1 parcel", "To receive: €"):
        assert english in sheet, english
    assert re.search(r"\d:\d\d [AP]M", sheet)  # the clock of the English pages
    for french in ("mardi", "Heure", "Collecte", "Livraison", "colis", "À encaisser :"):
        assert french not in sheet, french
    assert not re.search(r"\d h\b", sheet)


def _reads_french(sheet: str) -> None:
    assert "mardi 24 novembre 2026" in sheet
    for french in ("Feuille de route", "Heure", "Collecte", "Livraison", "1 colis"):
        assert french in sheet, french
    assert re.search(r"À encaisser : \d+,\d\d €", sheet)
    assert re.search(r"\d h\b", sheet) and not re.search(r"\d:\d\d", sheet)
    for english in ("Tuesday", "Time", "Collection", "Delivery", "parcel", "€3"):
        assert english not in sheet, english


def test_the_couriers_round_sheet_reads_in_the_language_of_their_pages(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)  # Jeanne's loaf, paid at her door
    login(client, world.courier_email)
    url = f"/livreur/tournees/{_run_id(db)}/feuille.pdf"

    _reads_english(_printed(client, url, "en"))
    _reads_french(_printed(client, url, "fr"))


def test_the_operators_round_sheet_reads_in_the_language_of_their_pages(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    login(client, world.operator_email)
    url = f"/admin/tournees/passages/{_run_id(db)}/feuille.pdf"

    _reads_english(_printed(client, url, "en"))
    _reads_french(_printed(client, url, "fr"))


def test_the_packing_list_reads_in_the_language_of_the_merchants_pages(
    client: FlaskClient, db: Database, world: World
) -> None:
    planned_order(db, world)
    login(client, world.baker_email)
    url = f"/boutique/preparation.pdf?date={DAY}"

    english = _printed(client, url, "en")
    assert "Tuesday 24 November 2026" in english and "1 order, 1 parcel." in english
    assert "mardi" not in english and "commande" not in english
    french = _printed(client, url, "fr")
    assert "mardi 24 novembre 2026" in french and "1 commande, 1 colis." in french
