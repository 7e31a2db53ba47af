"""Load the demo territory "Ternois" through the core services, and list its accounts.

Everything goes through the same services as the shop (so the demo data passes the same
checks); only the password is hashed once for every account, because argon2 is slow on
purpose. Random choices use a fixed seed: two loads at the same moment give the same
territory. Dates are relative to ``now`` so that merchants have work today and tomorrow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from delivery import gazetteer
from delivery.day_problem import PlanningSettings
from delivery.distances import GreatCircleDistances
from delivery.planning import plan_day
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from reference_app.demo import data
from reference_app.demo.orders import place_orders
from reference_app.security import hash_password
from shop_core.accounts.model import Role
from shop_core.accounts.services import add_address, register_user
from shop_core.accounts.staff import create_point_staff
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.services import create_category, create_product
from shop_core.database import Database, connect
from shop_core.errors import DomainError
from shop_core.merchants.identity import vat_number_for
from shop_core.merchants.model import MerchantStatus
from shop_core.merchants.services import (
    MerchantProfile,
    register_merchant,
    set_opening_hours,
    set_status,
)
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory
from shop_core.territories.services import (
    add_commune,
    add_delivery_slot,
    add_pickup_point,
    create_territory,
)


@dataclass
class Demo:
    """Ids of what the loader created, for the order scenarios and for tests."""

    territory_id: int
    operator_id: int = 0
    courier_ids: list[int] = field(default_factory=list)
    pickup_point_ids: list[int] = field(default_factory=list)
    point_staff_ids: dict[int, int] = field(default_factory=dict)
    """Index of a pickup point (as in ``pickup_point_ids``) -> its staff's account."""
    merchant_ids: dict[str, int] = field(default_factory=dict)
    owner_ids: dict[str, int] = field(default_factory=dict)
    product_ids: dict[str, list[int]] = field(default_factory=dict)
    product_by_name: dict[str, int] = field(default_factory=dict)
    shopper_ids: list[int] = field(default_factory=list)


def _commune(insee: str) -> gazetteer.GazetteerCommune:
    commune = gazetteer.by_insee(insee)
    if commune is None:  # the data is checked by the tests; this guards edits to it
        raise ValueError(f"commune {insee} absente du gazetteer")
    return commune


def load(database: Database, *, now: dt.datetime | None = None) -> int:
    """Create the demo territory and return its id; does nothing if it already exists."""
    now = now or utcnow()
    # A connection of its own: the app mails order news for sessions of its own engine, and
    # the demo's made-up history is news to nobody.
    own = connect(database.engine.url.render_as_string(hide_password=False))
    _without_waiting_for_the_disk(own)
    try:
        with own.uow() as uow:
            existing = uow.session.scalar(
                select(Territory.id).where(Territory.slug == data.TERRITORY.slug)
            )
            if existing is not None:
                return existing
            demo = _territory(uow)
            password_hash = hash_password(data.PASSWORD)
            _staff(uow, demo, password_hash)
            _merchants(uow, demo, password_hash)
            _catalogue(uow, demo)
            _shoppers(uow, demo, password_hash)
            _rounds(uow, demo)
            place_orders(uow, demo=demo, now=now)
            _plan_rounds(uow, demo, now)
            _baskets(uow, demo)
            return demo.territory_id
    finally:
        own.dispose()


def _without_waiting_for_the_disk(database: Database) -> None:
    """Commit without flushing each transaction to disk, on this loader's engine only.

    Services commit after each step (about 500 commits); waiting for the disk each time
    would take most of the load time. A crash at the wrong moment can lose the last steps
    but never corrupts the database, and the demo can simply be loaded again.
    """

    @event.listens_for(database.engine, "connect")
    def _relaxed(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if database.engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=NORMAL")
        else:
            cursor.execute("SET synchronous_commit TO off")
            dbapi_connection.commit()
        cursor.close()


def _territory(uow: UnitOfWork) -> Demo:
    t = data.TERRITORY
    tid = create_territory(
        uow=uow,
        name=t.name,
        slug=t.slug,
        tagline=t.tagline,
        primary_color=t.primary_color,
        accent_color=t.accent_color,
        commission_rate_bp=t.commission_rate_bp,
        order_cutoff=t.order_cutoff,
    )
    demo = Demo(territory_id=tid)
    for insee in data.COMMUNES:
        c = _commune(insee)
        add_commune(
            uow=uow,
            territory_id=tid,
            insee_code=c.insee_code,
            postal_code=c.postal_code,
            name=c.name,
            lat=c.lat,
            lon=c.lon,
            population=c.population,
        )
    for code, label, starts, ends in data.SLOTS:
        add_delivery_slot(
            uow=uow, territory_id=tid, code=code, label=label, starts=starts, ends=ends
        )
    for point in data.PICKUP_POINTS:
        c = _commune(point.insee)
        demo.pickup_point_ids.append(
            add_pickup_point(
                uow=uow,
                territory_id=tid,
                name=point.name,
                kind=point.kind,
                address=point.address,
                postal_code=c.postal_code,
                city=c.name,
                insee_code=c.insee_code,
                lat=point.lat,
                lon=point.lon,
                opening_notes=point.notes,
                hours=point.hours,
            )
        )
    return demo


def _user(
    uow: UnitOfWork, demo: Demo, password_hash: str, who: tuple[str, str, str], role: Role
) -> int:
    name, email, phone = who
    return register_user(
        uow=uow,
        territory_id=demo.territory_id,
        email=email,
        full_name=name,
        phone=phone,
        password_hash=password_hash,
        role=role,
        commit=False,
    )


def _staff(uow: UnitOfWork, demo: Demo, password_hash: str) -> None:
    demo.operator_id = _user(uow, demo, password_hash, data.OPERATOR, Role.OPERATOR)
    demo.courier_ids = [
        _user(uow, demo, password_hash, courier, Role.COURIER) for courier in data.COURIERS
    ]
    uow.commit()
    for name, email, phone, point in data.POINT_STAFF:
        demo.point_staff_ids[point] = create_point_staff(
            uow=uow, territory_id=demo.territory_id,
            pickup_point_id=demo.pickup_point_ids[point], email=email, full_name=name,
            password_hash=password_hash, phone=phone,
        )  # fmt: skip


def _merchants(uow: UnitOfWork, demo: Demo, password_hash: str) -> None:
    system = Actor.system()
    operator = Actor(user_id=demo.operator_id)
    for shop in data.SHOPS:
        owner = _user(uow, demo, password_hash, (shop.owner, shop.email, shop.phone), Role.MERCHANT)
        c = _commune(shop.insee)
        mid = register_merchant(
            uow=uow,
            territory_id=demo.territory_id,
            owner_user_id=owner,
            actor=operator if shop.assisted else Actor(user_id=owner),
            assisted=shop.assisted,
            profile=MerchantProfile(
                trade_name=shop.trade_name,
                legal_name=shop.legal_name,
                siren=shop.siren,
                siret=shop.siret,
                vat_number="" if shop.vat_franchise else vat_number_for(shop.siren),
                vat_franchise=shop.vat_franchise,
                trade=shop.trade,
                description=shop.description,
                address=shop.address,
                postal_code=c.postal_code,
                city=c.name,
                insee_code=c.insee_code,
                lat=shop.lat,
                lon=shop.lon,
                phone=shop.phone,
                email=shop.email,
                click_and_collect=shop.click_and_collect,
            ),
        )
        set_opening_hours(
            uow=uow, merchant_id=mid, windows=data.opening_windows(shop.hours), actor=system
        )
        if not shop.pending:
            set_status(uow=uow, merchant_id=mid, status=MerchantStatus.ACTIVE, actor=operator)
        demo.merchant_ids[shop.key] = mid
        demo.owner_ids[shop.key] = owner


def _catalogue(uow: UnitOfWork, demo: Demo) -> None:
    categories = {
        name: create_category(uow=uow, territory_id=demo.territory_id, name=name, position=position)
        for position, name in enumerate(data.CATEGORIES)
    }
    for item in data.products():
        item.data.category_id = categories[item.category]
        mid = demo.merchant_ids[item.shop]
        actor = Actor(user_id=demo.owner_ids[item.shop], merchant_id=mid)
        pid = create_product(uow=uow, merchant_id=mid, data=item.data, actor=actor, commit=False)
        demo.product_ids.setdefault(item.shop, []).append(pid)
        demo.product_by_name[item.data.name] = pid
    uow.commit()


def _shoppers(uow: UnitOfWork, demo: Demo, password_hash: str) -> None:
    for shopper in data.SHOPPERS:
        uid = _user(
            uow,
            demo,
            password_hash,
            (shopper.full_name, shopper.email, shopper.phone),
            Role.SHOPPER,
        )
        c = _commune(shopper.insee)
        add_address(
            uow=uow,
            user_id=uid,
            recipient=shopper.full_name,
            line1=shopper.street,
            postal_code=c.postal_code,
            city=c.name,
            insee_code=c.insee_code,
            phone=shopper.phone,
            instructions=shopper.instructions,
            lat=c.lat,
            lon=c.lon,
            approximate=True,
        )
        demo.shopper_ids.append(uid)


def _rounds(uow: UnitOfWork, demo: Demo) -> None:
    """A depot and the two standing rounds; the operator plans each day from them."""
    operator = Actor(user_id=demo.operator_id)
    name, address, insee = data.DEPOT
    commune = _commune(insee)
    depot = create_depot(
        uow=uow,
        territory_id=demo.territory_id,
        actor=operator,
        data=DepotInput(
            name=name, address=address, postal_code=commune.postal_code, city=commune.name
        ),
    )
    starts, ends = data.ROUND_HOURS
    for spec in data.ROUNDS:
        create_round(
            uow=uow,
            territory_id=demo.territory_id,
            actor=operator,
            data=RoundInput(
                name=spec.name,
                depot_id=depot,
                weekdays=data.ROUND_DAYS,
                starts=starts,
                ends=ends,
                capacity=data.ROUND_CAPACITY,
                courier_id=demo.courier_ids[spec.courier],
                insee_codes=spec.communes,
            ),
        )


def _plan_rounds(uow: UnitOfWork, demo: Demo, now: dt.datetime) -> None:
    """Plan the next two round days, as the operator would: the couriers have a round.

    Today's plan is dated this morning at 7 h (before the parcels left the shops). A plan the
    validator refuses is left out: the operator can plan the day again from the back-office.
    """
    zone = ZoneInfo(uow.session.get_one(Territory, demo.territory_id).timezone)
    today = now.astimezone(zone).date()
    days = [today + dt.timedelta(days=n) for n in range(7)]
    operator = Actor(user_id=demo.operator_id)
    for day in [d for d in days if d.weekday() in data.ROUND_DAYS][:2]:
        planned_at = now
        if day == today:
            planned_at = min(now, dt.datetime.combine(day, dt.time(7), zone))
        try:
            plan_day(
                uow=uow,
                territory_id=demo.territory_id,
                date=day,
                distances=GreatCircleDistances(),
                settings=PlanningSettings(time_limit=0.5, workers=1),
                actor=operator,
                now=planned_at,
            )
        except DomainError:
            uow.rollback()


def _baskets(uow: UnitOfWork, demo: Demo) -> None:
    """Jeanne Martin has started her next basket: the basket page is not empty."""
    cart = get_or_create_cart(uow=uow, territory_id=demo.territory_id, user_id=demo.shopper_ids[0])
    for name, quantity in (
        ("Tarte au sucre (6 parts)", 1),
        ("Maroilles AOP", 1),
        ("Œufs fermiers plein air", 2),
    ):
        add_item(uow=uow, cart_id=cart, product_id=demo.product_by_name[name], quantity=quantity)


def print_accounts(echo: Callable[[str], object]) -> None:
    """Write the demo accounts (one password for all) with ``echo``, in French."""
    echo(f"Comptes de démonstration — mot de passe pour tous : {data.PASSWORD}")
    echo(f"  Animation du territoire : {data.OPERATOR[1]} ({data.OPERATOR[0]})")
    for name, email, _phone in data.COURIERS:
        echo(f"  Livraison : {email} ({name})")
    for name, email, _phone, point in data.POINT_STAFF:
        echo(f"  Point de retrait : {email} ({name}, {data.PICKUP_POINTS[point].name})")
    echo("  Commerçants :")
    for shop in data.SHOPS:
        notes = []
        if shop.assisted:
            notes.append("mode accompagné")
        if shop.pending:
            notes.append("en attente de validation")
        if shop.vat_franchise:
            notes.append("franchise de TVA")
        suffix = f" — {', '.join(notes)}" if notes else ""
        echo(f"    {shop.email} ({shop.trade_name}){suffix}")
    first = data.SHOPPERS[0]
    echo(
        f"  Clients : {first.email} ({first.full_name}) et {len(data.SHOPPERS) - 1} autres, "
        f"sur le modèle prenom.nom@{data.DOMAIN}"
    )
