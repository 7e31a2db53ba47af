"""The search page with many matches and many shops (the catalogue of a large territory)."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from shop_core.catalogue import search
from shop_core.database import Database
from shop_core.testing.factories import make_merchant, make_product

from .conftest import World


def _text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_search_with_more_matches_than_counted_says_so_and_pages_through_the_best(
    client: FlaskClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RANKED", 5)
    with db.uow() as uow:
        mid = make_merchant(uow, territory_id=world.territory_id, name="Rucher des Prés")
        for n in range(9):
            make_product(uow, merchant_id=mid, name=f"Pain d'épices {n}", description="Au miel")
        make_product(uow, merchant_id=mid, name="Miel de tilleul", description="Pot")
    page = _text(client, "/recherche?q=miel")
    assert "Plus de 5 produits trouvés : précisez votre recherche" in page
    assert "Miel de tilleul" in page
    api = client.get("/api/v1/products?q=miel").get_json()
    assert (api["total"], api["more"]) == (5, True)
    assert api["products"][0]["name"] == "Miel de tilleul"
    few = client.get("/api/v1/products?q=tilleul").get_json()
    assert (few["total"], few["more"]) == (1, False)


def test_search_without_results_suggests_a_dozen_shops_and_links_to_all(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        for n in range(20):
            make_merchant(uow, territory_id=world.territory_id, name=f"Atelier {n:02d}")
    page = _text(client, "/recherche?q=caviar")
    assert "Nous n'avons rien trouvé" in page
    assert page.count('class="merchant-card"') == 12
    assert "Voir les 22 commerçants" in page and 'href="/boutiques"' in page


def test_shops_matching_the_query_are_listed_with_the_products(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        for n in range(20):
            make_merchant(uow, territory_id=world.territory_id, name=f"Atelier {n:02d}")
        make_merchant(uow, territory_id=world.territory_id, name="Atelier du Pain")
    page = _text(client, "/recherche?q=pain")
    assert "Atelier du Pain" in page
    assert "Atelier 03" not in page
    assert "Pain de campagne" in page
