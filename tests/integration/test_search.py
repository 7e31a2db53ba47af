"""Catalogue search: French accents and plurals, ranking, scoping — on both databases."""

from __future__ import annotations

import pytest

from shop_core.audit.services import Actor
from shop_core.catalogue import search
from shop_core.catalogue.search import search_products
from shop_core.catalogue.services import archive_product, get_product, product_input, update_product
from shop_core.database import Database
from shop_core.merchants.model import MerchantStatus
from shop_core.merchants.services import set_status
from shop_core.testing.factories import make_merchant, make_product, make_territory


def _names(db: Database, territory_id: int, query: str) -> list[str]:
    with db.uow() as uow:
        found = search_products(uow.session, territory_id=territory_id, query=query)
        return [p.name for p in found.products]


def _catalogue(db: Database) -> tuple[int, int]:
    with db.uow() as uow:
        tid = make_territory(uow)
        mid = make_merchant(uow, territory_id=tid, name="Ferme des Trois Chênes")
        make_product(uow, merchant_id=mid, name="Pomme", description="Reinette grise du Canada")
        make_product(uow, merchant_id=mid, name="Crème fraîche épaisse", description="Pot de 50 cl")
        make_product(
            uow, merchant_id=mid, name="Jus de fruits", description="Pur jus de pommes et poires"
        )
        make_product(uow, merchant_id=mid, name="Poireaux", description="Botte de poireaux")
    return tid, mid


def test_plural_query_finds_singular_product(db: Database) -> None:
    tid, _ = _catalogue(db)
    assert "Pomme" in _names(db, tid, "pommes")


def test_query_without_accent_finds_accented_product(db: Database) -> None:
    tid, _ = _catalogue(db)
    assert _names(db, tid, "creme") == ["Crème fraîche épaisse"]
    assert _names(db, tid, "CRÈMES fraiches") == ["Crème fraîche épaisse"]


def test_name_matches_rank_above_description_matches(db: Database) -> None:
    tid, _ = _catalogue(db)
    assert _names(db, tid, "pommes") == ["Pomme", "Jus de fruits"]


def test_search_is_scoped_to_the_territory(db: Database) -> None:
    tid, _ = _catalogue(db)
    with db.uow() as uow:
        other = make_territory(uow)
        om = make_merchant(uow, territory_id=other)
        make_product(uow, merchant_id=om, name="Pomme d'ailleurs")
    assert _names(db, tid, "pomme") == ["Pomme", "Jus de fruits"]
    assert _names(db, other, "pomme") == ["Pomme d'ailleurs"]


def test_archived_products_and_suspended_merchants_are_not_found(db: Database) -> None:
    tid, mid = _catalogue(db)
    with db.uow() as uow:
        found = search_products(uow.session, territory_id=tid, query="poireau")
        archive_product(
            uow=uow, product_id=found.products[0].id, merchant_id=mid, actor=Actor.system()
        )
    assert _names(db, tid, "poireau") == []
    with db.uow() as uow:
        set_status(uow=uow, merchant_id=mid, status=MerchantStatus.SUSPENDED, actor=Actor.system())
    assert _names(db, tid, "pomme") == []


def test_renamed_product_is_found_under_its_new_name(db: Database) -> None:
    tid, mid = _catalogue(db)
    with db.uow() as uow:
        pid = search_products(uow.session, territory_id=tid, query="poireaux").products[0].id
        data = product_input(get_product(uow, pid))
        data.name = "Carottes nouvelles"
        data.description = "Botte"
        update_product(uow=uow, product_id=pid, merchant_id=mid, data=data, actor=Actor.system())
    assert _names(db, tid, "carotte") == ["Carottes nouvelles"]
    assert _names(db, tid, "poireaux") == []


def test_merchant_name_is_searchable_and_junk_queries_return_nothing(db: Database) -> None:
    tid, _ = _catalogue(db)
    assert len(_names(db, tid, "chenes")) == 4
    assert _names(db, tid, "") == []
    assert _names(db, tid, "\"' OR 1=1 -- *:& |!") == []


def test_results_are_paged_with_a_total(db: Database) -> None:
    tid, _ = _catalogue(db)
    with db.uow() as uow:
        page = search_products(uow.session, territory_id=tid, query="ferme", limit=2, offset=2)
    assert page.total == 4
    assert len(page.products) == 2


def test_products_come_back_when_their_shop_is_active_again(db: Database) -> None:
    tid, mid = _catalogue(db)
    with db.uow() as uow:
        set_status(uow=uow, merchant_id=mid, status=MerchantStatus.SUSPENDED, actor=Actor.system())
    assert _names(db, tid, "poireau") == []
    with db.uow() as uow:
        set_status(uow=uow, merchant_id=mid, status=MerchantStatus.ACTIVE, actor=Actor.system())
    assert _names(db, tid, "poireau") == ["Poireaux"]


def test_search_within_one_shop(db: Database) -> None:
    tid, mid = _catalogue(db)
    with db.uow() as uow:
        other = make_merchant(uow, territory_id=tid, name="Verger du Moulin")
        make_product(uow, merchant_id=other, name="Pommes reinettes")
    with db.uow() as uow:
        found = search_products(uow.session, territory_id=tid, query="pomme", merchant_id=other)
        assert [p.name for p in found.products] == ["Pommes reinettes"]
        assert found.total == 1
        everywhere = search_products(uow.session, territory_id=tid, query="pomme")
        assert everywhere.total == 3


def test_many_matches_are_counted_up_to_a_cap_and_names_still_rank_first(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "RANKED", 3)
    with db.uow() as uow:
        tid = make_territory(uow)
        mid = make_merchant(uow, territory_id=tid, name="Rucher")
        for n in range(8):
            make_product(uow, merchant_id=mid, name=f"Pain d'épices {n}", description="Au miel")
        make_product(uow, merchant_id=mid, name="Miel de tilleul", description="Pot de 500 g")
    with db.uow() as uow:
        first = search_products(uow.session, territory_id=tid, query="miel", limit=2)
        assert first.total == 3
        assert first.more
        assert first.products[0].name == "Miel de tilleul"
        second = search_products(uow.session, territory_id=tid, query="miel", limit=2, offset=2)
        assert len(second.products) == 1
        past = search_products(uow.session, territory_id=tid, query="miel", limit=2, offset=4)
        assert past.products == []
        assert (past.total, past.more) == (3, True)
        few = search_products(uow.session, territory_id=tid, query="tilleul")
        assert (few.total, few.more) == (1, False)
