"""Orders taken by the operator for a shopper (« commande assistée »): who placed the order
for whom, the audit, and the shoppers the operator may act for."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.accounts.assisted import (
    SEARCH_LIMIT,
    PhoneAlreadyRegistered,
    find_shoppers,
    note_shopper_assistance,
    register_shopper_for,
    set_shopper_email_for,
    shopper_for_operator,
    shoppers_with_phone,
)
from shop_core.accounts.export import export_user_data
from shop_core.accounts.model import Role, User
from shop_core.accounts.profile import AddressInput
from shop_core.accounts.services import delete_account, register_user
from shop_core.audit.model import AuditEntry
from shop_core.carts.model import CartItem
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import Order, PaymentMethod
from shop_core.orders.services import Customer, checkout
from shop_core.testing.factories import make_territory, make_user

from .conftest import CUSTOMER, NOW, Shop, buy, home


@pytest.fixture
def operator_id(db: Database, shop: Shop) -> int:
    with db.uow() as uow:
        return make_user(uow, territory_id=shop.territory_id, role=Role.OPERATOR, name="Léa Roux")


def _for(shop: Shop, operator_id: int, email: str = "") -> Customer:
    return Customer(
        CUSTOMER.name, email, "06 01 02 03 04", user_id=shop.shopper_id, placed_by_id=operator_id
    )


def _buy_for(
    db: Database,
    shop: Shop,
    items: dict[int, int],
    customer: Customer,
    payment_method: PaymentMethod = PaymentMethod.OFFLINE,
) -> int:
    """The operator fills the shopper's basket and checks out for them."""
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        for pid, qty in items.items():
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=qty)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=customer,
            delivery=home(),
            payment_method=payment_method,
            now=NOW,
        )


def only_entry(session: Session, action: str) -> AuditEntry:
    """The one audit entry recorded for ``action``."""
    return session.scalars(select(AuditEntry).where(AuditEntry.action == action)).one()


def _address() -> AddressInput:
    return AddressInput(
        recipient="Odette Leroy",
        line1="2 rue de l'Église",
        postal_code="62130",
        city="Saint-Pol-sur-Ternoise",
        insee_code="62767",
    )


def test_an_order_taken_for_a_shopper_records_the_operator_and_audits_it(
    db: Database, shop: Shop, operator_id: int
) -> None:
    order_id = _buy_for(db, shop, {shop.bread_id: 1}, _for(shop, operator_id))
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert (order.user_id, order.placed_by_id) == (shop.shopper_id, operator_id)
        assert order.customer_email == ""
        assert all(mo.history[0].actor_id == operator_id for mo in order.merchant_orders)
        entry = only_entry(uow.session, "order.placed_for_shopper")
        assert (entry.actor_id, entry.on_behalf, entry.subject) == (
            operator_id,
            True,
            order.reference,
        )
        assert entry.details == {"shopper_id": shop.shopper_id, "order_id": order_id}


def test_an_order_the_shopper_places_has_no_operator(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        assert uow.session.get_one(Order, buy(db, shop, {shop.bread_id: 1})).placed_by_id is None


def test_an_order_taken_for_a_shopper_cannot_be_paid_online_and_leaves_nothing_behind(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with pytest.raises(ValidationError) as raised:
        _buy_for(db, shop, {shop.cake_id: 1}, _for(shop, operator_id), PaymentMethod.ONLINE)
    assert raised.value.field == "payment"
    with db.uow() as uow:
        assert uow.session.scalar(select(Order.id)) is None
        assert uow.session.scalar(select(CartItem.id)) is not None  # the basket is still there


def test_an_order_taken_for_a_shopper_without_email_needs_their_phone(
    db: Database, shop: Shop, operator_id: int
) -> None:
    silent = Customer(CUSTOMER.name, "", "", user_id=shop.shopper_id, placed_by_id=operator_id)
    with pytest.raises(ValidationError):
        _buy_for(db, shop, {shop.bread_id: 1}, silent)


def test_registering_a_shopper_without_email_keeps_phone_and_address_and_audits_it(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with db.uow() as uow:
        uid = register_shopper_for(
            uow=uow,
            territory_id=shop.territory_id,
            operator_id=operator_id,
            full_name="Odette Leroy",
            phone="03 21 00 00 01",
            address=_address(),
        )
    with db.uow() as uow:
        user = uow.session.get_one(User, uid)
        assert (user.email, user.password_hash, user.role) == (None, "", Role.SHOPPER)
        assert [a.line1 for a in user.addresses] == ["2 rue de l'Église"]
        entry = only_entry(uow.session, "shopper.registered_for")
        assert (entry.actor_id, entry.details["shopper_id"]) == (operator_id, uid)


def test_two_shoppers_without_email_can_coexist_but_an_email_stays_unique(
    db: Database, shop: Shop, operator_id: int
) -> None:
    _register(db, shop, operator_id)
    _register(db, shop, operator_id, phone="03 21 00 00 02")
    _register(db, shop, operator_id, email="odette@example.fr", phone="03 21 00 00 03")
    with pytest.raises(ValidationError) as raised:
        _register(db, shop, operator_id, email="Odette@example.fr", phone="03 21 00 00 04")
    assert raised.value.field == "email"


def test_a_phone_already_a_shoppers_is_refused_naming_them_however_it_is_typed(
    db: Database, shop: Shop, operator_id: int
) -> None:
    first = _register(db, shop, operator_id, phone="03 21 00 00 01")
    for typed in ("0321000001", "+33 3 21 00 00 01", "03.21.00.00.01"):
        with pytest.raises(PhoneAlreadyRegistered) as raised:
            _register(db, shop, operator_id, phone=typed)
        assert raised.value.field == "phone"
        assert [u.id for u in raised.value.holders] == [first]
    with db.uow() as uow:
        assert uow.session.scalars(select(User).where(User.full_name == "Odette Leroy")).all()
        assert (
            len(
                shoppers_with_phone(
                    uow.session, territory_id=shop.territory_id, phone="03 21 00 00 01"
                )
            )
            == 1
        )


def test_a_shared_phone_is_registered_once_the_operator_confirms_it(
    db: Database, shop: Shop, operator_id: int
) -> None:
    first = _register(db, shop, operator_id, phone="03 21 00 00 01")
    second = _register(db, shop, operator_id, phone="0321000001", shared_phone=True)
    assert second != first
    with db.uow() as uow:
        found = shoppers_with_phone(
            uow.session, territory_id=shop.territory_id, phone="03 21 00 00 01"
        )
        assert [u.id for u in found] == [first, second]
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "shopper.registered_for")
        ).all()
        assert [e.details["shared_phone"] for e in entries] == [False, True]


def test_only_shoppers_of_the_territory_share_a_phone(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER)
        stranger = make_user(uow, territory_id=other)
        for uid in (courier, stranger):
            uow.session.get_one(User, uid).phone = "03 21 00 00 01"
        uow.commit()
    _register(db, shop, operator_id, phone="03 21 00 00 01")  # no one to warn about


def test_shoppers_are_found_by_name_email_or_phone_in_their_territory_only(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        make_user(uow, territory_id=other, name="Jeanne Martin")
        user = uow.session.get_one(User, shop.shopper_id)
        user.phone = "06 11 22 33 44"
        uow.commit()
    with db.uow() as uow:
        for query in ("jeanne", "MARTIN", user.email[:6], "0611223344", "06.11.22"):
            found = find_shoppers(uow.session, territory_id=shop.territory_id, query=query)
            assert [u.id for u in found.shoppers] == [shop.shopper_id], query
            assert not found.more
        # The operator is no shopper, even when the name matches.
        nobody = find_shoppers(uow.session, territory_id=shop.territory_id, query="Léa")
        assert nobody.shoppers == []
    # A number kept as « +33 6 … » is found as the operator types it, and the other way round.
    with db.uow() as uow:
        uow.session.get_one(User, shop.shopper_id).phone = "+33 6 55 44 33 22"
        uow.commit()
    with db.uow() as uow:
        for query in ("06 55 44 33 22", "+33655443322", "0655443322"):
            found = find_shoppers(uow.session, territory_id=shop.territory_id, query=query)
            assert [u.id for u in found.shoppers] == [shop.shopper_id], query
        found = find_shoppers(uow.session, territory_id=shop.territory_id, query="+33 6 11 22")
        assert found.shoppers == []


@pytest.mark.parametrize(("namesakes", "more"), [(SEARCH_LIMIT, False), (SEARCH_LIMIT + 1, True)])
def test_a_search_shows_at_most_the_limit_and_says_when_more_shoppers_match(
    db: Database, shop: Shop, namesakes: int, more: bool
) -> None:
    with db.uow() as uow:
        for n in range(namesakes):
            make_user(uow, territory_id=shop.territory_id, name=f"Paul Dupont {n:02}")
    with db.uow() as uow:
        found = find_shoppers(uow.session, territory_id=shop.territory_id, query="dupont")
    assert len(found.shoppers) == SEARCH_LIMIT
    assert (found.limit, found.more) == (SEARCH_LIMIT, more)
    assert [u.full_name for u in found.shoppers][-1] == f"Paul Dupont {SEARCH_LIMIT - 1:02}"


def test_the_operator_acts_only_for_shoppers_of_the_territory(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        stranger = make_user(uow, territory_id=other)
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER)
    with db.uow() as uow:
        for uid in (stranger, courier, operator_id):
            with pytest.raises(NotFound):
                shopper_for_operator(uow.session, territory_id=shop.territory_id, shopper_id=uid)
            with pytest.raises(NotFound):
                note_shopper_assistance(
                    uow=uow,
                    territory_id=shop.territory_id,
                    shopper_id=uid,
                    operator_id=operator_id,
                    started=True,
                )
        note_shopper_assistance(
            uow=uow,
            territory_id=shop.territory_id,
            shopper_id=shop.shopper_id,
            operator_id=operator_id,
            started=True,
        )
    with db.uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.startswith("shopper."))
        ).all()
        assert actions == ["shopper.assist_start"]


_phones = itertools.count(10)


def _register(
    db: Database,
    shop: Shop,
    operator_id: int,
    email: str | None = None,
    *,
    phone: str | None = None,
    shared_phone: bool = False,
) -> int:
    """Register Odette Leroy, by default with a phone nobody has yet."""
    if phone is None:
        phone = f"03 21 00 {next(_phones):02} 00"
    with db.uow() as uow:
        return register_shopper_for(
            uow=uow,
            territory_id=shop.territory_id,
            operator_id=operator_id,
            full_name="Odette Leroy",
            phone=phone,
            address=_address(),
            email=email,
            shared_phone=shared_phone,
        )


def _set_email(db: Database, shop: Shop, operator_id: int, shopper_id: int, email: str) -> str:
    with db.uow() as uow:
        return set_shopper_email_for(
            uow=uow,
            territory_id=shop.territory_id,
            operator_id=operator_id,
            shopper_id=shopper_id,
            email=email,
        )


def test_a_shopper_registered_without_email_is_given_one_and_it_is_audited(
    db: Database, shop: Shop, operator_id: int
) -> None:
    uid = _register(db, shop, operator_id)
    assert _set_email(db, shop, operator_id, uid, " Odette.Leroy@Example.fr ") == (
        "odette.leroy@example.fr"
    )
    with db.uow() as uow:
        user = uow.session.get_one(User, uid)
        assert (user.email, user.password_hash) == ("odette.leroy@example.fr", "")
        entry = only_entry(uow.session, "shopper.email_set_for")
        assert (entry.actor_id, entry.on_behalf, entry.subject) == (
            operator_id,
            True,
            "Odette Leroy",
        )
        assert entry.details == {"shopper_id": uid, "corrected": False}


def test_an_address_mistyped_before_any_password_is_corrected_and_old_links_die(
    db: Database, shop: Shop, operator_id: int
) -> None:
    uid = _register(db, shop, operator_id, email="odete@example.fr")
    with db.uow() as uow:
        version = uow.session.get_one(User, uid).session_version
    _set_email(db, shop, operator_id, uid, "odette@example.fr")
    with db.uow() as uow:
        user = uow.session.get_one(User, uid)
        assert user.email == "odette@example.fr"
        # A reset link sent to the mistyped address carries the old version: refused.
        assert user.session_version == version + 1


def test_an_invalid_missing_or_taken_address_is_refused_on_the_email_field(
    db: Database, shop: Shop, operator_id: int
) -> None:
    uid = _register(db, shop, operator_id)
    with db.uow() as uow:
        taken = uow.session.get_one(User, shop.shopper_id).email
    for wrong, message in (
        ("odette@", "Adresse e-mail invalide."),
        ("  ", "Indiquez l'adresse e-mail du client."),
        (taken.upper(), "Un compte existe déjà avec cette adresse e-mail."),
    ):
        with pytest.raises(ValidationError) as raised:
            _set_email(db, shop, operator_id, uid, wrong)
        assert (raised.value.field, str(raised.value)) == ("email", message), wrong
    with db.uow() as uow:
        assert uow.session.get_one(User, uid).email is None
        assert not uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "shopper.email_set_for")
        ).all()


def test_the_email_of_an_account_that_can_log_in_or_of_another_territory_is_not_changed(
    db: Database, shop: Shop, operator_id: int
) -> None:
    # Changing it would let whoever reads the new address take the account over.
    with pytest.raises(ValidationError) as raised:
        _set_email(db, shop, operator_id, shop.shopper_id, "nouvelle@example.fr")
    assert raised.value.field == "email"
    assert "déjà un mot de passe" in str(raised.value)
    with db.uow() as uow:
        other = make_territory(uow)
        stranger = make_user(uow, territory_id=other, name="Odette Leroy")
        uow.session.get_one(User, stranger).password_hash = ""
        uow.session.get_one(User, stranger).email = None
        uow.commit()
    with pytest.raises(NotFound):
        _set_email(db, shop, operator_id, stranger, "odette@example.fr")
    with db.uow() as uow:
        assert uow.session.get_one(User, stranger).email is None
        assert uow.session.get_one(User, shop.shopper_id).email != "nouvelle@example.fr"


def _not_seen_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check for a taken address runs before another request's account is written (two
    operators at the same instant): only the database's uniqueness rule sees it."""
    monkeypatch.setattr("shop_core.accounts.assisted.find_by_email", lambda *a, **kw: None)
    monkeypatch.setattr("shop_core.accounts.services.find_by_email", lambda *a, **kw: None)


def _accounts_with(db: Database, email: str) -> int:
    with db.uow() as uow:
        return len(uow.session.scalars(select(User).where(User.email == email)).all())


def test_an_address_taken_at_the_same_instant_is_refused_like_a_taken_one(
    db: Database, shop: Shop, operator_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(db, shop, operator_id, email="odette@example.fr")
    without = _register(db, shop, operator_id)
    _not_seen_yet(monkeypatch)

    with pytest.raises(ValidationError) as raised:
        _register(db, shop, operator_id, email="odette@example.fr")
    assert (raised.value.field, raised.value.message) == (
        "email",
        "Un compte existe déjà avec cette adresse e-mail.",
    )
    with pytest.raises(ValidationError) as raised:
        _set_email(db, shop, operator_id, without, "odette@example.fr")
    assert raised.value.field == "email"
    with pytest.raises(ValidationError) as raised:
        with db.uow() as uow:
            register_user(
                uow=uow,
                territory_id=shop.territory_id,
                email="odette@example.fr",
                full_name="Odette Leroy",
                password_hash="x",
            )
    assert raised.value.field == "email"

    # Nothing of the refused attempts is kept: one account, its audit, the other unchanged.
    assert _accounts_with(db, "odette@example.fr") == 1
    with db.uow() as uow:
        assert uow.session.get_one(User, without).email is None
        registered = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "shopper.registered_for")
        ).all()
        assert len(registered) == 2
        assert (
            uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "shopper.email_set_for")
            ).all()
            == []
        )


def test_what_the_operator_did_for_a_shopper_is_in_the_shoppers_export(
    db: Database, shop: Shop, operator_id: int
) -> None:
    with db.uow() as uow:
        note_shopper_assistance(
            uow=uow, territory_id=shop.territory_id, shopper_id=shop.shopper_id,
            operator_id=operator_id, started=True,
        )  # fmt: skip
    _buy_for(db, shop, {shop.bread_id: 1}, _for(shop, operator_id))
    buy(db, shop, {shop.apples_id: 1})  # and one she placed herself

    with db.uow() as uow:
        document = export_user_data(uow.session, user_id=shop.shopper_id)

    assert [o["placed_by_the_operator"] for o in document["orders"]] == [True, False]
    assert [
        (act["action"], act["subject"]) for act in document["done_for_you_by_the_operator"]
    ] == [
        ("shopper.assist_start", CUSTOMER.name),
        ("order.placed_for_shopper", document["orders"][0]["reference"]),
    ]


def test_a_deleted_shoppers_name_leaves_the_log_of_what_was_done_for_them(
    db: Database, shop: Shop, operator_id: int
) -> None:
    uid = _register(db, shop, operator_id)
    with db.uow() as uow:
        note_shopper_assistance(
            uow=uow, territory_id=shop.territory_id, shopper_id=uid, operator_id=operator_id,
            started=True,
        )  # fmt: skip
    _set_email(db, shop, operator_id, uid, "odette@example.fr")

    with db.uow() as uow:
        delete_account(uow=uow, user_id=uid)

    with db.uow() as uow:
        entries = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        about_her = [e for e in entries if e.details.get("shopper_id") == uid]
        # The acts stay, and who did them; her name does not.
        assert [(e.action, e.subject, e.actor_id) for e in about_her] == [
            ("shopper.registered_for", "Compte supprimé", operator_id),
            ("shopper.assist_start", "Compte supprimé", operator_id),
            ("shopper.email_set_for", "Compte supprimé", operator_id),
        ]
        assert not [e for e in entries if "Odette" in e.subject or "Odette" in str(e.details)]
