"""Browsing queries: only what can be bought now, in the territory, in bounded queries."""

from __future__ import annotations

from sqlalchemy import event

from shop_core.audit.services import Actor
from shop_core.catalogue.browse import (
    active_merchants,
    categories_in_use,
    latest_products,
    merchant_by_slug,
    products_on_sale,
    shop_product,
)
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import archive_product, create_category, set_active
from shop_core.database import Database
from shop_core.merchants.model import MerchantStatus
from shop_core.merchants.services import set_status
from shop_core.testing.factories import make_merchant, make_product, make_territory

from .conftest import Shop


def test_products_on_sale_leave_out_inactive_archived_and_suspended_merchants(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        set_active(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            active=False,
            actor=Actor.system(),
        )
        archive_product(
            uow=uow, product_id=shop.cake_id, merchant_id=shop.baker_id, actor=Actor.system()
        )
        page = products_on_sale(uow.session, territory_id=shop.territory_id)
        assert [p.name for p in page.products] == ["Pomme Reinette", "Rôti de porc"]
        assert page.total == 2
        set_status(
            uow=uow,
            merchant_id=shop.farmer_id,
            status=MerchantStatus.SUSPENDED,
            actor=Actor.system(),
        )
        assert products_on_sale(uow.session, territory_id=shop.territory_id).total == 0
        assert [
            m.trade_name for m in active_merchants(uow.session, territory_id=shop.territory_id)
        ] == ["Boulangerie Lefebvre"]


def test_products_of_another_territory_are_never_listed(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        far = make_merchant(uow, territory_id=other, name="Loin")
        far_product = make_product(uow, merchant_id=far, name="Pain lointain")
        names = [
            p.name for p in products_on_sale(uow.session, territory_id=shop.territory_id).products
        ]
        assert "Pain lointain" not in names
        assert (
            shop_product(uow.session, territory_id=shop.territory_id, product_id=far_product)
            is None
        )
        assert merchant_by_slug(uow.session, territory_id=shop.territory_id, slug="loin") is None


def test_product_pages_page_through_a_merchant_by_name(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        first = products_on_sale(
            uow.session, territory_id=shop.territory_id, merchant_id=shop.farmer_id, limit=1
        )
        second = products_on_sale(
            uow.session,
            territory_id=shop.territory_id,
            merchant_id=shop.farmer_id,
            limit=1,
            offset=1,
        )
    assert first.total == second.total == 2
    assert [first.products[0].name, second.products[0].name] == ["Pomme Reinette", "Rôti de porc"]


def test_categories_in_use_count_only_products_on_sale(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        bakery = create_category(uow=uow, territory_id=shop.territory_id, name="Boulangerie")
        create_category(uow=uow, territory_id=shop.territory_id, name="Fromages")
        for pid in (shop.bread_id, shop.cake_id):
            uow.session.get_one(Product, pid).category_id = bakery
        uow.commit()
        set_active(
            uow=uow,
            product_id=shop.cake_id,
            merchant_id=shop.baker_id,
            active=False,
            actor=Actor.system(),
        )
        used = categories_in_use(uow.session, territory_id=shop.territory_id)
    assert [(c.category.name, c.products) for c in used] == [("Boulangerie", 1)]


def test_latest_products_alternate_merchants_in_few_queries(db: Database, shop: Shop) -> None:
    statements: list[str] = []
    with db.uow() as uow:
        event.listen(db.engine, "before_cursor_execute", _count(statements))
        picked = latest_products(uow.session, territory_id=shop.territory_id, limit=2)
        _ = [(p.merchant.trade_name, p.photos) for p in picked]
    assert {p.merchant_id for p in picked} == {shop.baker_id, shop.farmer_id}
    assert len(statements) <= 3


def _count(statements: list[str]):  # type: ignore[no-untyped-def]
    def listener(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    return listener


def test_search_results_are_loaded_for_display_in_a_fixed_number_of_queries(
    db: Database, shop: Shop
) -> None:
    from shop_core.catalogue.browse import load_for_display, load_opening_hours
    from shop_core.catalogue.search import search_products

    statements: list[str] = []
    with db.uow() as uow:
        found = search_products(uow.session, territory_id=shop.territory_id, query="pain").products
        found += search_products(
            uow.session, territory_id=shop.territory_id, query="pomme"
        ).products
        event.listen(db.engine, "before_cursor_execute", _count(statements))
        load_for_display(uow.session, found)
        load_opening_hours(uow.session, [p.merchant_id for p in found])
        names = [
            (p.merchant.trade_name, len(p.photos), p.merchant.opening_windows(1)) for p in found
        ]
    assert {n for n, _, _ in names} == {"Boulangerie Lefebvre", "Ferme du Ternois"}
    assert all(windows for _, _, windows in names)
    assert len(statements) == 6  # products, merchants, photos; merchants, hours, closures
