"""Self-service account changes: profile, password, addresses, data export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from shop_core.accounts.export import export_user_data
from shop_core.accounts.model import Address, User
from shop_core.accounts.profile import (
    AddressInput,
    change_password,
    create_address,
    delete_address,
    set_locale,
    update_address,
    update_profile,
)
from shop_core.accounts.services import OrdersStillRunning, delete_account
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.invoices.model import Invoice
from shop_core.orders.model import Order
from shop_core.testing.factories import make_user

from .conftest import Shop, buy, deliver_all

HOME = AddressInput(
    recipient="Jeanne Martin",
    line1="3 rue des Tilleuls",
    postal_code="62130",
    city="Saint-Pol-sur-Ternoise",
    insee_code="62767",
)


def test_change_password_bumps_the_session_version(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        before = uow.session.get_one(User, shop.shopper_id).session_version
        version = change_password(uow=uow, user_id=shop.shopper_id, password_hash="new-hash")
        user = uow.session.get_one(User, shop.shopper_id)
    assert version == before + 1 == user.session_version
    assert user.password_hash == "new-hash"


def test_update_profile_refuses_an_empty_name(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        with pytest.raises(ValidationError) as error:
            update_profile(uow=uow, user_id=shop.shopper_id, full_name="  ")
        assert error.value.field == "full_name"
        update_profile(uow=uow, user_id=shop.shopper_id, full_name="Jeanne Dupont", phone="06")
        assert uow.session.get_one(User, shop.shopper_id).full_name == "Jeanne Dupont"


def test_the_language_read_is_kept_on_the_account_and_checked(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        assert uow.session.get_one(User, shop.shopper_id).locale == "fr"
        set_locale(uow=uow, user_id=shop.shopper_id, locale="en")
        for wrong in ("", "english", "EN", "en-gb<script>"):
            with pytest.raises(ValidationError):
                set_locale(uow=uow, user_id=shop.shopper_id, locale=wrong)
    with db.uow() as uow:
        assert uow.session.get_one(User, shop.shopper_id).locale == "en"


def test_addresses_are_created_edited_and_deleted_by_their_owner_only(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        aid = create_address(uow=uow, user_id=shop.shopper_id, data=HOME)
        other = make_user(uow, territory_id=shop.territory_id)
        moved = AddressInput(
            recipient="Jeanne Martin", line1="1 place Foch", postal_code="62270", city="Frévent"
        )
        with pytest.raises(NotFound):
            update_address(uow=uow, user_id=other, address_id=aid, data=moved)
        with pytest.raises(NotFound):
            delete_address(uow=uow, user_id=other, address_id=aid)
        update_address(uow=uow, user_id=shop.shopper_id, address_id=aid, data=moved)
        assert uow.session.get_one(Address, aid).city == "Frévent"
        delete_address(uow=uow, user_id=shop.shopper_id, address_id=aid)
        assert uow.session.get(Address, aid) is None


def test_address_with_a_bad_postal_code_is_refused_with_the_field(db: Database, shop: Shop) -> None:
    bad = AddressInput(recipient="J", line1="1 rue", postal_code="6213", city="Saint-Pol")
    with db.uow() as uow:
        with pytest.raises(ValidationError) as error:
            create_address(uow=uow, user_id=shop.shopper_id, data=bad)
    assert error.value.field == "postal_code"


def test_export_contains_profile_addresses_and_orders_as_json(db: Database, shop: Shop) -> None:
    buy(db, shop, {shop.bread_id: 2, shop.apples_id: 1})
    with db.uow() as uow:
        create_address(uow=uow, user_id=shop.shopper_id, data=HOME)
        data = export_user_data(uow.session, user_id=shop.shopper_id)
    document = json.loads(json.dumps(data))
    assert document["profile"]["full_name"] == "Jeanne Martin"
    assert document["addresses"][0]["city"] == "Saint-Pol-sur-Ternoise"
    (order,) = document["orders"]
    assert [mo["merchant"] for mo in order["merchant_orders"]] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    assert order["merchant_orders"][0]["lines"][0]["quantity"] == 2
    assert order["merchant_orders"][0]["history"][0]["status"] == "placed"


def test_deleted_accounts_have_nothing_to_export(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        delete_account(uow=uow, user_id=shop.shopper_id)
        with pytest.raises(NotFound):
            export_user_data(uow.session, user_id=shop.shopper_id)


def test_deleting_the_account_anonymises_its_orders_but_not_their_invoices(
    db: Database, shop: Shop
) -> None:
    order_id = buy(db, shop, {shop.bread_id: 2})
    deliver_all(db, order_id)
    with db.uow() as uow:
        before = uow.session.get_one(Order, order_id)
        total, postal_code = before.total_incl_cents, before.postal_code
        delete_account(uow=uow, user_id=shop.shopper_id)
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert order.customer_name == "Compte supprimé"
        assert order.customer_email.endswith("@invalid")
        assert (order.customer_phone, order.recipient, order.address_line1) == ("", "", "")
        assert (order.delivery_instructions, order.lat, order.lon) == ("", None, None)
        assert (order.total_incl_cents, order.postal_code) == (total, postal_code)
        (invoice,) = uow.session.scalars(select(Invoice))
        assert invoice.buyer_name == "Jeanne Martin"  # issued: kept as the law requires


def test_the_refusal_speaks_of_several_orders_when_several_are_on_their_way(
    db: Database, shop: Shop
) -> None:
    # Was « Une commande est encore en cours (A, B) : … annulez-la » for two orders.
    first, second = buy(db, shop, {shop.bread_id: 1}), buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        references = [uow.session.get_one(Order, i).reference for i in (first, second)]
        with pytest.raises(OrdersStillRunning) as error:
            delete_account(uow=uow, user_id=shop.shopper_id)
    assert str(error.value) == (
        f"Des commandes sont encore en cours ({', '.join(references)}) : attendez de les "
        "avoir reçues, ou annulez-les, avant de supprimer votre compte."
    )
    assert error.value.params["count"] == 2


def test_an_account_with_an_order_on_its_way_is_not_deleted(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        reference = uow.session.get_one(Order, order_id).reference
        with pytest.raises(OrdersStillRunning) as error:
            delete_account(uow=uow, user_id=shop.shopper_id)
        assert reference in str(error.value) and error.value.params == {
            "references": reference,
            "count": 1,
        }
    with db.uow() as uow:
        user = uow.session.get_one(User, shop.shopper_id)
        assert user.deleted_at is None and user.active
        assert uow.session.get_one(Order, order_id).customer_name == "Jeanne Martin"
    deliver_all(db, order_id)
    with db.uow() as uow:
        delete_account(uow=uow, user_id=shop.shopper_id)
        assert uow.session.get_one(User, shop.shopper_id).deleted_at is not None
