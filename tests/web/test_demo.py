"""The demo territory "Ternois": loaded by the CLI on both databases, complete and coherent."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from delivery import gazetteer
from delivery.day_problem import merchant_place, point_place
from delivery.model import DayPlan, Round, Stop
from reference_app import mail
from reference_app.demo import data, loader
from shop_core.accounts.model import Address, Role, User
from shop_core.carts.model import Cart
from shop_core.catalogue.model import Product
from shop_core.catalogue.search import search_products
from shop_core.database import Database
from shop_core.invoices.model import CreditNote, Invoice
from shop_core.merchants.identity import valid_siren, valid_siret, valid_vat_number
from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order, ParcelReturn
from shop_core.territories.model import PickupPoint, Territory

S = MerchantOrderStatus


def _load_with_cli(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["load-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_loads_a_complete_territory_once_and_its_accounts_log_in(
    app: Flask, db: Database
) -> None:
    output = _load_with_cli(app)
    assert "chargé" in output
    with app.app_context():
        assert mail.outbox() == []  # the demo's history is not mailed to anyone
    assert f"mot de passe pour tous : {data.PASSWORD}" in output
    assert "animation@ternois.demo" in output and "jeanne.martin@ternois.demo" in output

    with db.uow() as uow:
        s = uow.session
        territory = s.scalars(select(Territory)).one()
        assert (territory.name, territory.slug) == ("Ternois", "ternois")
        assert territory.tagline and territory.primary_color == "#2f6b3a"
        assert [slot.code for slot in territory.delivery_slots] == ["matin", "apres-midi"]
        assert len(territory.communes) >= 25
        for commune in territory.communes:  # real communes, placed where the gazetteer says
            known = gazetteer.by_insee(commune.insee_code)
            assert known is not None
            assert (commune.name, commune.lat, commune.lon) == (known.name, known.lat, known.lon)
        assert {p.kind for p in territory.pickup_points} == {"tiers_lieu", "mairie"}

        merchants = s.scalars(select(Merchant)).all()
        active = [m for m in merchants if m.status is MerchantStatus.ACTIVE]
        assert len(active) >= 12
        assert len({m.trade for m in active}) >= 10
        assert [m.trade_name for m in merchants if m.status is MerchantStatus.PENDING] == [
            "Rucher de la Canche"
        ]
        assert [m.trade_name for m in merchants if m.assisted] == ["Boucherie Delattre"]
        assert [m.trade_name for m in merchants if m.vat_franchise] == ["L'Atelier du Vannier"]
        for m in merchants:
            assert valid_siren(m.siren) and valid_siret(m.siret), m.trade_name
            assert m.vat_franchise or valid_vat_number(m.vat_number, m.siren), m.trade_name
            assert territory.serves(m.insee_code or ""), m.trade_name
            assert m.opening_hours and len(m.members) == 1
        # Lunch breaks: some shops open twice on the same day.
        assert any(len(m.opening_windows(1)) == 2 for m in merchants)

        products = s.scalars(select(Product).join(Merchant)).all()
        on_sale = [p for p in products if p.on_sale]
        assert len(on_sale) >= 150
        assert any(p.sold_by_weight and p.estimated_weight_g for p in on_sale)
        assert any(not p.track_stock for p in on_sale)
        assert any(p.no_withdrawal for p in on_sale)
        assert all(p.category_id is not None for p in products)
        assert {p.vat_rate.value for p in on_sale} == {550, 1000, 2000}
        # Every product on sale is found by searching its name.
        for product in on_sale:
            found = search_products(s, territory_id=territory.id, query=product.name, limit=50)
            assert product.id in [p.id for p in found.products], product.name

        roles = dict(s.execute(select(User.role, func.count()).group_by(User.role)).all())
        assert roles == {
            Role.SHOPPER: 30,
            Role.MERCHANT: len(merchants),
            Role.COURIER: 2,
            Role.OPERATOR: 1,
            Role.POINT_STAFF: 1,
        }
        addresses = s.scalars(select(Address)).all()
        assert len(addresses) == 30
        assert all(a.approximate and territory.serves(a.insee_code or "") for a in addresses)

        states = set(s.scalars(select(MerchantOrder.status).distinct()))
        assert {
            S.PLACED,
            S.ACCEPTED,
            S.PREPARING,
            S.READY,
            S.HANDED_TO_COURIER,
            S.DELIVERED,
            S.PICKED_UP,
            S.REFUSED,
            S.CANCELLED,
            S.RETURNED,
        } <= states
        completed = s.scalar(
            select(func.count()).where(MerchantOrder.status.in_([S.DELIVERED, S.PICKED_UP]))
        )
        # A parcel left at the town hall went back to its shop: its invoice was cancelled.
        (way_back,) = s.scalars(select(ParcelReturn)).all()
        assert way_back.back_at is None and way_back.held_at == "Mairie de Saint-Pol-sur-Ternoise"
        assert s.scalar(select(func.count(CreditNote.id))) == 1
        assert s.scalar(select(func.count(Invoice.id))) == completed + 1
        # Orders being prepared have their weights entered.
        for mo in s.scalars(select(MerchantOrder).where(MerchantOrder.status == S.PREPARING)):
            assert all(ln.final_weight_g for ln in mo.lines if ln.sold_by_weight)
        # Merchants have work for the next two round days (today and tomorrow, but the
        # rounds rest on Sundays) and two rounds are ready to be planned.
        first = dt.datetime.now(ZoneInfo(territory.timezone)).date()
        while first.weekday() == 6:
            first += dt.timedelta(days=1)
        second = first + dt.timedelta(days=1)
        while second.weekday() == 6:
            second += dt.timedelta(days=1)
        due = set(
            s.execute(
                select(Order.delivery_date, MerchantOrder.status).join(MerchantOrder.order)
            ).all()
        )
        assert {(first, S.ACCEPTED), (first, S.READY)} <= due
        assert (second, S.PLACED) in due
        # A delivery that failed waits for a round to come, as after the courier's « Absent ».
        failed = s.scalars(
            select(Order.delivery_date)
            .join(MerchantOrder.order)
            .where(MerchantOrder.status == S.DELIVERY_FAILED)
        ).all()
        assert failed and all(d >= first for d in failed), failed
        home_dates = s.scalars(select(Order.delivery_date).where(Order.delivery_method == "home"))
        assert all(d.weekday() != 6 for d in home_dates)
        rounds = s.scalars(select(Round).order_by(Round.name)).all()
        assert [(r.name, r.weekdays) for r in rounds] == [
            ("Canche et Authie", "012345"),
            ("Ternoise et Pernois", "012345"),
        ]
        assert all(r.courier_id is not None for r in rounds)
        plans = {plan.date: plan for plan in s.scalars(select(DayPlan))}
        assert set(plans) == {first, second}
        for plan in plans.values():  # every parcel of those days is on a courier's round
            assert not plan.unplanned
            assert all(run.courier_id and run.stops for run in plan.runs)
        # Jeanne Martin has a basket in progress.
        jeanne = s.scalars(select(User).where(User.email == "jeanne.martin@ternois.demo")).one()
        cart = s.scalars(select(Cart).where(Cart.user_id == jeanne.id)).one()
        assert len(cart.items) == 3

    # Loading again changes nothing.
    again = _load_with_cli(app)
    assert "démo non rechargée" in again
    assert loader.load(db) == territory.id
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(Territory.id))) == 1

    # The documented accounts log in with the documented password.
    for email in (
        data.OPERATOR[1], data.COURIERS[0][1], data.SHOPS[0].email, data.POINT_STAFF[0][1]
    ):  # fmt: skip
        response = app.test_client().post(
            "/login", data={"email": email, "password": data.PASSWORD}
        )
        assert response.status_code == 302, email
    staff = app.test_client()
    staff.post("/login", data={"email": data.POINT_STAFF[0][1], "password": data.PASSWORD})
    page = staff.get("/point-retrait").get_data(as_text=True).replace("&#39;", "'")
    assert "Mairie de Saint-Pol-sur-Ternoise" in page
    assert "Argent à remettre à l'animation du territoire" in page  # taken by the town hall
    shopper = app.test_client()
    response = shopper.post(
        "/login", data={"email": "jeanne.martin@ternois.demo", "password": data.PASSWORD}
    )
    assert response.status_code == 302
    assert "Se déconnecter" in shopper.get("/").get_data(as_text=True)


def test_every_courier_has_a_round_whatever_the_day_the_demo_is_loaded(tmp_path) -> None:
    """Around the Sunday rest day too: a CI run just after midnight on a Sunday found a
    courier with an empty round on Tuesday (today's orders all fell on Monday)."""
    from shop_core.database import connect

    zone = ZoneInfo("Europe/Paris")
    for n, now in enumerate(
        (
            dt.datetime(2026, 11, 21, 23, 50, tzinfo=zone),  # Saturday night
            dt.datetime(2026, 11, 22, 0, 5, tzinfo=zone),  # Sunday, just after midnight
            dt.datetime(2026, 11, 23, 0, 5, tzinfo=zone),  # Monday
        )
    ):
        database = connect(f"sqlite:///{tmp_path}/demo-{n}.db", migrate=True)
        loader.load(database, now=now)
        with database.uow() as uow:
            plans = uow.session.scalars(select(DayPlan).order_by(DayPlan.date)).all()
            assert len(plans) == 2, now
            assert all(plan.date.weekday() != 6 for plan in plans)
            for plan in plans:
                assert not plan.unplanned, (now, plan.date)
                assert all(run.courier_id and run.stops for run in plan.runs), (now, plan.date)
        database.engine.dispose()


def test_the_demo_places_saint_pols_shops_and_town_hall_apart_not_at_the_commune_centre(
    db: Database,
) -> None:
    """The demo geocodes offline: its shops and pickup points carry positions of their own,
    else the four shops and the town hall of Saint-Pol were one marker on the courier's map
    and one place to the planner."""
    # A Thursday morning: the two planned days call at every shop of Saint-Pol and its
    # town hall.
    loader.load(db, now=dt.datetime(2026, 12, 10, 7, 30, tzinfo=ZoneInfo("Europe/Paris")))
    saint_pol = gazetteer.by_insee("62767")
    assert saint_pol is not None
    with db.uow() as uow:
        s = uow.session
        merchants = s.scalars(select(Merchant).where(Merchant.insee_code == "62767"))
        points = s.scalars(select(PickupPoint).where(PickupPoint.insee_code == "62767"))
        places = [merchant_place(m) for m in merchants] + [point_place(p) for p in points]
        assert len(places) == 5  # four shops and the town hall
        positions = {}
        for place in places:
            assert place is not None and not place.approximate
            # In the town (within 2 km of the commune's centre), not at its centre.
            assert (place.lat, place.lon) != (saint_pol.lat, saint_pol.lon), place.name
            assert gazetteer.haversine_km(place.lat, place.lon, saint_pol.lat, saint_pol.lon) < 2
            positions[place.name] = (place.lat, place.lon)
        for (a, (a_lat, a_lon)), (b, (b_lat, b_lon)) in itertools.combinations(
            positions.items(), 2
        ):
            # A few hundred metres apart: one marker each on the courier's map.
            assert gazetteer.haversine_km(a_lat, a_lon, b_lat, b_lon) > 0.1, (a, b)
        # The planned rounds call at each of them where it stands, not at one place.
        stops = s.scalars(
            select(Stop).where(
                Stop.address.endswith("62130 Saint-Pol-sur-Ternoise"),
                Stop.approximate.is_(False),
            )
        ).all()
        assert {stop.place_name: (stop.lat, stop.lon) for stop in stops} == positions
