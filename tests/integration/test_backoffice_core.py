"""Core services behind the merchant back-office and the operator admin."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, func, select

from shop_core.accounts.model import Role, User
from shop_core.accounts.staff import set_account_active, staff_account
from shop_core.audit.model import AuditEntry
from shop_core.audit.queries import merchant_audit
from shop_core.audit.services import Actor
from shop_core.catalogue.bulk import export_catalogue, import_catalogue, plan_import
from shop_core.catalogue.csv_import import parse_catalogue
from shop_core.catalogue.model import Product, Unit
from shop_core.catalogue.search import search_products
from shop_core.catalogue.services import create_category
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.identity import luhn_valid, vat_number_for
from shop_core.merchants.model import Merchant, MerchantStatus, Trade
from shop_core.merchants.onboarding import OwnerAccount, open_shop, territory_merchant
from shop_core.merchants.services import MerchantProfile, set_opening_hours
from shop_core.orders.model import DeliveryMethod, MerchantOrder, Order
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.preparation import (
    WeightsRefused,
    merchant_order,
    orders_to_prepare,
    record_weights,
    status_counts,
)
from shop_core.orders.returns import return_to_merchant
from shop_core.orders.services import DeliveryChoice, transition
from shop_core.persistence.uow import UnitOfWork
from shop_core.reports import merchant_counts, merchant_weekly_stats, territory_weekly_kpis
from shop_core.territories.admin import (
    contrast_ratio,
    pickup_point,
    set_pickup_point_active,
    update_branding,
)
from shop_core.territories.model import Territory
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import luhn_siren, make_territory, make_user

from .conftest import NOW, TUESDAY, Shop, buy, home

SYSTEM = Actor.system()


def _profile(name: str = "Fromagerie du Ternois", siren: str | None = None) -> MerchantProfile:
    siren = siren or luhn_siren(4242)
    return MerchantProfile(
        trade_name=name,
        legal_name=f"SARL {name}",
        siren=siren,
        vat_number=vat_number_for(siren),
        trade=Trade.FROMAGERIE,
        address="1 place du Marché",
        postal_code="62130",
        city="Saint-Pol-sur-Ternoise",
    )


# --- catalogue import / export ---------------------------------------------------------------


def test_import_creates_new_products_and_updates_existing_ones_by_name(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        create_category(uow=uow, territory_id=shop.territory_id, name="Pâtisserie")
    parsed = parse_catalogue(
        "nom;prix;tva;unite;stock;description;categorie\n"
        "PAIN DE CAMPAGNE;3,80;5,5;pièce;12;Au levain;\n"
        "Éclair au café;2,90;5,5;pièce;;;patisserie\n"
    )
    with db.uow() as uow:
        plan = plan_import(uow, merchant_id=shop.baker_id, rows=parsed.rows)
        assert [r.product.name for r in plan.update] == ["PAIN DE CAMPAGNE"]
        assert [r.product.name for r in plan.create] == ["Éclair au café"]
        report = import_catalogue(
            uow=uow, merchant_id=shop.baker_id, rows=parsed.rows, actor=SYSTEM
        )
    assert report.created == ["Éclair au café"] and report.updated == ["Pain de campagne"]
    with db.uow() as uow:
        bread = uow.session.get_one(Product, shop.bread_id)
        assert (bread.price_cents, bread.stock_quantity, bread.description) == (
            380,
            12,
            "Au levain",
        )
        eclair = uow.session.scalar(select(Product).where(Product.name == "Éclair au café"))
        assert eclair is not None and eclair.category is not None
        assert eclair.category.name == "Pâtisserie" and eclair.track_stock is False
        found = search_products(uow.session, territory_id=shop.territory_id, query="eclairs")
        assert [p.id for p in found.products] == [eclair.id]
        levain = search_products(uow.session, territory_id=shop.territory_id, query="levain")
        assert [p.id for p in levain.products] == [shop.bread_id]


def test_unknown_category_is_a_line_error_and_import_refuses_it(db: Database, shop: Shop) -> None:
    parsed = parse_catalogue("nom;prix;categorie\nBrioche;4;Viennoiserie\n")
    with db.uow() as uow:
        plan = plan_import(uow, merchant_id=shop.baker_id, rows=parsed.rows)
        assert plan.errors[0].line == 2 and "Viennoiserie" in plan.errors[0].message
        with pytest.raises(ValidationError):
            import_catalogue(uow=uow, merchant_id=shop.baker_id, rows=parsed.rows, actor=SYSTEM)
    with db.uow() as uow:
        assert uow.session.scalar(select(Product).where(Product.name == "Brioche")) is None


def test_export_then_import_changes_nothing(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        text = export_catalogue(uow, merchant_id=shop.farmer_id)
    assert text.startswith("nom;prix;tva;unite;stock;description;categorie;poids_estime_g")
    assert "Rôti de porc;18,90;5,5;kg;5;;;1000;non" in text
    parsed = parse_catalogue(text)
    assert parsed.errors == []
    with db.uow() as uow:
        before = {
            p.name: (
                p.price_cents,
                p.vat_rate,
                p.unit,
                p.track_stock,
                p.stock_quantity,
                p.estimated_weight_g,
                p.no_withdrawal,
                p.slug,
            )
            for p in uow.session.scalars(
                select(Product).where(Product.merchant_id == shop.farmer_id)
            )
        }
        report = import_catalogue(
            uow=uow, merchant_id=shop.farmer_id, rows=parsed.rows, actor=SYSTEM
        )
    assert report.created == [] and sorted(report.updated) == sorted(before)
    with db.uow() as uow:
        after = {
            p.name: (
                p.price_cents,
                p.vat_rate,
                p.unit,
                p.track_stock,
                p.stock_quantity,
                p.estimated_weight_g,
                p.no_withdrawal,
                p.slug,
            )
            for p in uow.session.scalars(
                select(Product).where(Product.merchant_id == shop.farmer_id)
            )
        }
        assert after == before
        assert export_catalogue(uow, merchant_id=shop.farmer_id) == text


def test_ten_thousand_rows_import_in_bulk_in_seconds(db: Database, shop: Shop) -> None:
    lines = ["nom;prix;tva;unite;stock;description"]
    lines += [
        f"Produit {n};{n % 50 + 1},{n % 100:02d};5,5;pièce;{n % 30};Lot {n}" for n in range(10_000)
    ]
    parsed = parse_catalogue("\n".join(lines))
    assert parsed.errors == [] and len(parsed.rows) == 10_000
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.uow() as uow:
            report = import_catalogue(
                uow=uow, merchant_id=shop.baker_id, rows=parsed.rows, actor=SYSTEM
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(report.created) == 10_000
    # Bulk work: a handful of statements (batched inserts), never one per row.
    assert len(statements) < 100, len(statements)
    with db.uow() as uow:
        count_rows = uow.session.scalar(
            select(func.count()).select_from(Product).where(Product.merchant_id == shop.baker_id)
        )
        assert count_rows == 10_002
        hits = search_products(uow.session, territory_id=shop.territory_id, query="lot 9999")
        assert hits.total >= 1
    # Its speed is measured by `make bench-web` (a 10,000-product import), not here.


# --- preparation -----------------------------------------------------------------------------


def test_orders_to_prepare_are_grouped_by_date_and_slot_and_scoped_to_the_merchant(
    db: Database, shop: Shop
) -> None:
    buy(db, shop, {shop.bread_id: 1, shop.roast_id: 1})
    with db.uow() as uow:
        groups = orders_to_prepare(uow.session, merchant_id=shop.baker_id)
        assert len(groups) == 1 and groups[0].slot == "matin"
        (mo,) = groups[0].orders
        assert [ln.product_name for ln in mo.lines] == ["Pain de campagne"]
        assert status_counts(uow.session, merchant_id=shop.baker_id)[S.PLACED] == 1
        with pytest.raises(NotFound):
            merchant_order(uow.session, merchant_id=shop.farmer_id, merchant_order_id=mo.id)


def _accepted_roast(db: Database, shop: Shop) -> tuple[int, int]:
    """A roast bought and accepted by the farm: its merchant order and line ids, to weigh."""
    order_id = buy(db, shop, {shop.roast_id: 1})
    with db.uow() as uow:
        mo = uow.session.get_one(Order, order_id).merchant_orders[0]
        mo_id, line_id = mo.id, mo.lines[0].id
        transition(uow=uow, merchant_order_id=mo_id, target=S.ACCEPTED, actor=SYSTEM, now=NOW)
    return mo_id, line_id


def _weigh(uow: UnitOfWork, shop: Shop, mo_id: int, **typed: Any) -> None:
    """The farm enters its weights (and what else ``typed`` says) for ``mo_id``."""
    record_weights(
        uow=uow, merchant_id=shop.farmer_id, merchant_order_id=mo_id, actor=SYSTEM, **typed
    )


def test_weights_out_of_tolerance_change_nothing_and_good_ones_make_the_order_ready(
    db: Database, shop: Shop
) -> None:
    mo_id, line_id = _accepted_roast(db, shop)
    with db.uow() as uow, pytest.raises(WeightsRefused) as refused:
        _weigh(uow, shop, mo_id, weights={line_id: 2000}, then_ready=True)
    assert "entre 850 g et 1150 g" in refused.value.by_line[line_id]
    # The same as values, for the app to word it in another language.
    assert refused.value.params["lines"][line_id] == {
        "what": "out_of_tolerance", "product": "Rôti de porc", "weight": 2000, "low": 850,
        "high": 1150,
    }  # fmt: skip
    with db.uow() as uow, pytest.raises(WeightsRefused):
        _weigh(uow, shop, mo_id, weights={}, then_ready=True)
    with db.uow() as uow:
        _weigh(uow, shop, mo_id, weights={line_id: 1100}, then_ready=True)
    with db.uow() as uow:
        mo = uow.session.get_one(MerchantOrder, mo_id)
        assert mo.status is S.READY
        assert mo.lines[0].final_weight_g == 1100 and mo.lines[0].total_incl_cents == 2079


def test_a_number_of_parcels_out_of_1_to_20_changes_nothing_and_a_good_one_is_kept(
    db: Database, shop: Shop
) -> None:
    mo_id, line_id = _accepted_roast(db, shop)
    for wrong in (0, 21):
        with db.uow() as uow, pytest.raises(ValidationError) as refused:
            _weigh(uow, shop, mo_id, weights={line_id: 1000}, then_ready=True, parcels=wrong)
        assert refused.value.field == "parcels"
        assert str(refused.value) == "Indiquez un nombre de colis entre 1 et 20."
    with db.uow() as uow:
        mo = uow.session.get_one(MerchantOrder, mo_id)
        assert (mo.status, mo.parcels, mo.lines[0].final_weight_g) == (S.ACCEPTED, 1, None)
    with db.uow() as uow:  # saved without marking the order ready
        _weigh(uow, shop, mo_id, weights={}, parcels=3)
    with db.uow() as uow:
        mo = uow.session.get_one(MerchantOrder, mo_id)
        assert (mo.status, mo.parcels) == (S.ACCEPTED, 3)


def test_a_profile_tells_every_wrong_company_number_and_blames_only_the_wrong_one() -> None:
    siren = luhn_siren(4242)
    siret = next(
        candidate
        for candidate in (f"{siren}0001{key}" for key in range(10))
        if luhn_valid(candidate)
    )
    right = replace(_profile(), siret=siret)
    assert right.problems() == []
    wrong_all = replace(right, siren="123456789", siret="12345678901234", vat_number="FR00")
    assert [p.field for p in wrong_all.problems()] == ["siren", "siret", "vat_number"]
    with pytest.raises(ValidationError) as first:
        wrong_all.validate()
    assert first.value.field == "siren"
    # A SIRET and a VAT number right for each other are not blamed for a mistyped SIREN.
    assert [p.field for p in replace(right, siren="123456789").problems()] == ["siren"]


# --- onboarding, audit -------------------------------------------------------------------------


def test_opening_a_shop_creates_the_owner_and_a_pending_shop_together(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        opened = open_shop(
            uow=uow,
            territory_id=shop.territory_id,
            profile=_profile(),
            owner=OwnerAccount(
                email="fromager@example.fr", full_name="Émile Fromager", password_hash="x"
            ),
        )
    with db.uow() as uow:
        merchant = uow.session.get_one(Merchant, opened.merchant_id)
        assert merchant.status is MerchantStatus.PENDING
        assert [m.user_id for m in merchant.members] == [opened.owner_user_id]
        owner = uow.session.get_one(User, opened.owner_user_id)
        assert owner.role is Role.MERCHANT
        lines = merchant_audit(
            uow.session, territory_id=shop.territory_id, merchant_id=opened.merchant_id
        )
        assert [(ln.action, ln.actor_name) for ln in lines] == [
            ("merchant.register", "Émile Fromager")
        ]


def test_an_invalid_siren_or_a_taken_email_leaves_nothing_behind(db: Database, shop: Shop) -> None:
    owner = OwnerAccount(email="fromager@example.fr", full_name="Émile", password_hash="x")
    with db.uow() as uow, pytest.raises(ValidationError) as bad:
        open_shop(
            uow=uow,
            territory_id=shop.territory_id,
            profile=_profile(siren="123456789"),
            owner=owner,
        )
    assert bad.value.field == "siren"
    with db.uow() as uow:
        make_user(uow, territory_id=shop.territory_id, email="pris@example.fr")
    with db.uow() as uow, pytest.raises(ValidationError) as taken:
        open_shop(
            uow=uow,
            territory_id=shop.territory_id,
            profile=_profile(),
            owner=OwnerAccount(email="pris@example.fr", full_name="X", password_hash="x"),
        )
    assert taken.value.field == "email"
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == "fromager@example.fr")) is None
        names = set(uow.session.scalars(select(Merchant.trade_name)))
        assert "Fromagerie du Ternois" not in names


def test_another_territorys_merchant_is_not_found(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        with pytest.raises(NotFound):
            territory_merchant(uow.session, territory_id=other, merchant_id=shop.baker_id)


def test_a_week_with_no_opening_at_all_is_refused_and_the_hours_are_kept(
    db: Database, shop: Shop
) -> None:
    """Every day closed is no window at all, which the shop would read as open every day."""
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        set_opening_hours(uow=uow, merchant_id=shop.baker_id, windows=[], actor=Actor.system())
    assert str(refused.value) == "Indiquez au moins un jour d'ouverture dans la semaine."
    with db.uow() as uow:
        baker = uow.session.get_one(Merchant, shop.baker_id)
        assert baker.opening_windows(1) == [(dt.time(8), dt.time(19))]  # the factory's
        assert baker.is_closed_on(dt.date(2026, 11, 23))  # still closed on Mondays
        recorded = select(func.count(AuditEntry.id)).where(
            AuditEntry.merchant_id == shop.baker_id, AuditEntry.action == "merchant.opening_hours"
        )
        assert uow.session.scalar(recorded) == 1  # the factory's only


# --- reports -----------------------------------------------------------------------------------


def test_weekly_stats_count_orders_revenue_and_best_sellers_but_not_refusals_or_returns(
    db: Database, shop: Shop
) -> None:
    buy(db, shop, {shop.bread_id: 3, shop.cake_id: 1})
    refused = buy(db, shop, {shop.bread_id: 1})
    returned = buy(db, shop, {shop.cake_id: 1})
    earlier = buy(db, shop, {shop.bread_id: 2}, now=NOW - dt.timedelta(days=14))
    with db.uow() as uow:
        mo = uow.session.get_one(Order, refused).merchant_orders[0]
        transition(
            uow=uow,
            merchant_order_id=mo.id,
            target=S.REFUSED,
            actor=SYSTEM,
            reason="Rupture",
            now=NOW,
        )
    with db.uow() as uow:  # never delivered, back at the shop: no sale either
        mo = uow.session.get_one(Order, returned).merchant_orders[0]
        for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED):
            transition(
                uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, reason="Absent",
                now=NOW,
            )  # fmt: skip
        return_to_merchant(
            uow=uow, territory_id=shop.territory_id, order_id=returned, reason="Injoignable",
            actor=SYSTEM, now=NOW,
        )  # fmt: skip
    assert earlier
    with db.uow() as uow:
        weeks = merchant_weekly_stats(uow.session, merchant_id=shop.baker_id, today=NOW.date())
        kpis = territory_weekly_kpis(uow.session, territory_id=shop.territory_id, today=NOW.date())
        counts = merchant_counts(uow.session, territory_id=shop.territory_id)
    assert len(weeks) == 8 and weeks[-1].week.start == dt.date(2026, 11, 23)
    assert weeks[-1].week.number == 48
    assert (weeks[-1].orders, weeks[-1].revenue_cents) == (1, 3 * 350 + 1200)
    assert [(b.name, b.quantity) for b in weeks[-1].best_sellers] == [
        ("Tarte au sucre", 1),
        ("Pain de campagne", 3),
    ]
    assert (weeks[-3].orders, weeks[-3].revenue_cents) == (1, 700)
    assert sum(w.orders for w in weeks) == 2
    assert kpis[-1].orders == 1 and kpis[-1].sales_cents == 2250
    assert kpis[-1].commission_cents > 0
    assert counts[MerchantStatus.ACTIVE] == 2 and counts[MerchantStatus.PENDING] == 0


# --- territory settings ----------------------------------------------------------------------


def test_contrast_of_black_and_white_is_21_and_pale_colours_are_refused(
    db: Database, shop: Shop
) -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    with db.uow() as uow, pytest.raises(ValidationError) as pale:
        update_branding(
            uow=uow,
            territory_id=shop.territory_id,
            name="Ternois",
            tagline="",
            primary_color="#f2a541",
            accent_color="#f2a541",
        )
    assert pale.value.field == "primary_color" and "4,5:1" in str(pale.value)
    with db.uow() as uow:
        update_branding(
            uow=uow,
            territory_id=shop.territory_id,
            name="Ternois",
            tagline="Ici",
            primary_color="#1D4E89",
            accent_color="#f2a541",
        )
    with db.uow() as uow:
        assert uow.session.get_one(Territory, shop.territory_id).primary_color == "#1d4e89"


def test_pickup_points_and_couriers_of_another_territory_are_not_found(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        point = add_pickup_point(
            uow=uow,
            territory_id=other,
            name="Mairie",
            address="1 rue",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
        )
        courier = make_user(uow, territory_id=other, role=Role.COURIER)
        with pytest.raises(NotFound):
            pickup_point(uow.session, territory_id=shop.territory_id, point_id=point)
        with pytest.raises(NotFound):
            set_pickup_point_active(
                uow=uow, territory_id=shop.territory_id, point_id=point, active=False
            )
        with pytest.raises(NotFound):
            staff_account(
                uow.session, territory_id=shop.territory_id, user_id=courier, role=Role.COURIER
            )


def test_deactivating_a_courier_ends_its_sessions(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER)
    with db.uow() as uow:
        set_account_active(
            uow=uow,
            territory_id=shop.territory_id,
            user_id=courier,
            role=Role.COURIER,
            active=False,
        )
    with db.uow() as uow:
        user = uow.session.get_one(User, courier)
        assert user.active is False and user.session_version == 2


def test_unit_of_weight_rows_keep_their_estimate(db: Database, shop: Shop) -> None:
    parsed = parse_catalogue("nom;prix;unite;poids_estime_g\nCôte de bœuf;32,00;kg;1200\n")
    with db.uow() as uow:
        import_catalogue(uow=uow, merchant_id=shop.farmer_id, rows=parsed.rows, actor=SYSTEM)
    with db.uow() as uow:
        beef = uow.session.scalar(select(Product).where(Product.name == "Côte de bœuf"))
        assert beef is not None and beef.unit is Unit.KG and beef.sold_by_weight
        assert beef.estimated_weight_g == 1200


def test_groups_of_one_day_follow_the_slots_in_time_order(db: Database, shop: Shop) -> None:
    buy(db, shop, {shop.bread_id: 1}, delivery=replace(home(), slot="apres-midi"))
    buy(db, shop, {shop.bread_id: 1}, delivery=home())
    with db.uow() as uow:
        groups = orders_to_prepare(uow.session, merchant_id=shop.baker_id)
    assert [g.slot for g in groups] == ["matin", "apres-midi"]


def test_planned_orders_are_grouped_by_the_couriers_collection_in_time_order(
    db: Database, shop: Shop
) -> None:
    # What helps the shop be ready in time: when the courier comes, whatever the slot.
    paris = dt.timezone(dt.timedelta(hours=1))
    first = (
        dt.datetime(2026, 11, 24, 9, 45, tzinfo=paris),
        dt.datetime(2026, 11, 24, 10, 45, tzinfo=paris),
    )
    later = (
        dt.datetime(2026, 11, 24, 13, 30, tzinfo=paris),
        dt.datetime(2026, 11, 24, 14, 30, tzinfo=paris),
    )
    afternoon = buy(db, shop, {shop.bread_id: 1}, delivery=replace(home(), slot="apres-midi"))
    morning = buy(db, shop, {shop.bread_id: 1}, delivery=home())
    unplanned = buy(db, shop, {shop.bread_id: 1}, delivery=home())
    counter = buy(
        db, shop, {shop.bread_id: 1}, delivery=DeliveryChoice(DeliveryMethod.CLICK_COLLECT, TUESDAY)
    )
    with db.uow() as uow:
        ids = {
            oid: uow.session.get_one(Order, oid).merchant_orders[0].id
            for oid in (afternoon, morning, unplanned, counter)
        }
        windows = {ids[afternoon]: first, ids[morning]: first, ids[counter]: later}
        groups = orders_to_prepare(uow.session, merchant_id=shop.baker_id, collections=windows)

    assert [(g.collection, g.method, g.slot) for g in groups] == [
        (first, None, None),  # one visit takes the afternoon's order and the morning's
        (None, DeliveryMethod.HOME, "matin"),  # not planned yet: by its slot
        (None, DeliveryMethod.CLICK_COLLECT, None),  # the shopper comes: no courier window
    ]
    assert {mo.id for mo in groups[0].orders} == {ids[afternoon], ids[morning]}
    assert [mo.id for mo in groups[1].orders] == [ids[unplanned]]


def test_collections_of_one_day_follow_their_times_before_what_is_not_planned(
    db: Database, shop: Shop
) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    early = (
        dt.datetime(2026, 11, 24, 9, 0, tzinfo=paris),
        dt.datetime(2026, 11, 24, 9, 30, tzinfo=paris),
    )
    late = (
        dt.datetime(2026, 11, 24, 15, 0, tzinfo=paris),
        dt.datetime(2026, 11, 24, 16, 0, tzinfo=paris),
    )
    unplanned = buy(db, shop, {shop.bread_id: 1}, delivery=home())
    second = buy(db, shop, {shop.bread_id: 1}, delivery=home())
    first = buy(db, shop, {shop.bread_id: 1}, delivery=home())
    with db.uow() as uow:
        ids = {
            oid: uow.session.get_one(Order, oid).merchant_orders[0].id
            for oid in (unplanned, second, first)
        }
        windows = {ids[second]: late, ids[first]: early}
        groups = orders_to_prepare(uow.session, merchant_id=shop.baker_id, collections=windows)

    assert [g.collection for g in groups] == [early, late, None]
