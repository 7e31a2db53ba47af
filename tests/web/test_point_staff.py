"""A pickup point's own staff: an account the operator creates for one point, which sees
the parcels waiting there only and hands them to the shopper against the code (and the
payment of an order paid on pickup)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app import mail
from shop_core.accounts.model import Role, User
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, Receiver
from shop_core.territories.services import add_pickup_point

from .backoffice import dropped_at_point, place_order
from .conftest import NOW, World, login, shows_code


def money_fr(cents: int) -> str:
    """An amount as the pages show it: 12,50 € (with a no-break space)."""
    return f"{cents // 100},{cents % 100:02d}\u00a0€"


S = MerchantOrderStatus


def create_staff(
    client: FlaskClient, point: int | str, email: str, mode: str = "temporary"
) -> tuple[int, str]:
    """The operator (logged in) asks for an account at ``point``; the answer and its page."""
    response = client.post(
        "/admin/livreurs",
        data={"point": str(point), "full_name": "Sylvie Mairie", "email": email, "phone": "",
              "mode": mode},
    )  # fmt: skip
    return response.status_code, response.get_data(as_text=True)


def staff_password(client: FlaskClient, world: World, email: str = "sylvie@example.fr") -> str:
    """The operator creates an account for the world's pickup point; its temporary password."""
    login(client, world.operator_email)
    _, page = create_staff(client, world.pickup_point_id, email)
    match = re.search(r"<code>([a-z0-9-]{19})</code>", page)
    assert match, page[-3000:]
    listed = client.get("/admin/livreurs").get_data(as_text=True)
    assert "Aux points de retrait" in listed and "Le Tiers-Lieu du Ternois · " + email in listed
    client.post("/logout")
    return match.group(1)


def at_another_point(db: Database, world: World) -> Order:
    """Jeanne's cake, left by the courier at the town hall, another point of the territory."""
    with db.uow() as uow:
        other = add_pickup_point(
            uow=uow, territory_id=world.territory_id, name="Mairie de Frévent",
            address="Place du Château", postal_code="62270", city="Frévent",
            insee_code="62361", lat=50.2741, lon=2.2903,
        )  # fmt: skip
    oid = place_order(db, world, {world.cake_id: 1}, DeliveryMethod.PICKUP_POINT)
    with db.uow() as uow:
        order = uow.session.get_one(Order, oid)
        order.pickup_point_id = other
        uow.commit()
        for mo in order.merchant_orders:
            for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
                transition(
                    uow=uow, merchant_order_id=mo.id, target=step, actor=Actor.system(), now=NOW
                )
        return uow.session.get_one(Order, oid)


def test_the_points_staff_hands_over_their_points_parcels_only(
    client: FlaskClient, db: Database, world: World
) -> None:
    here = dropped_at_point(db, world)
    elsewhere = at_another_point(db, world)
    temporary = staff_password(client, world)

    arrived = client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    assert arrived.headers["Location"].endswith("/point-retrait")
    page = client.get("/point-retrait").get_data(as_text=True)
    assert "Colis à remettre" in page and "Le Tiers-Lieu du Ternois" in page
    assert here.reference in page and elsewhere.reference not in page
    assert "Panier" not in page and "Retourner à la boutique" not in page
    assert not shows_code(page, here.delivery_code)

    assert client.post(f"/point-retrait/{elsewhere.id}", data={"code": "1234"}).status_code == 404
    wrong = f"{(int(here.delivery_code) + 1) % 10000:04d}"
    refused = client.post(f"/point-retrait/{here.id}", data={"code": wrong, "means": "cash"})
    assert refused.status_code == 422
    assert "Code incorrect" in refused.get_data(as_text=True)
    done = client.post(
        f"/point-retrait/{here.id}",
        data={"code": here.delivery_code, "means": "cash"},
        follow_redirects=True,
    )
    assert f"Commande {here.reference} remise à Jeanne Martin." in done.get_data(as_text=True)
    html = done.get_data(as_text=True).replace("&#39;", "'")
    assert "Aucun colis n'attend à votre point de retrait." in html
    with db.uow() as uow:
        (mo,) = uow.session.get_one(Order, here.id).merchant_orders
        assert mo.status is S.PICKED_UP
        payment = uow.session.scalar(
            select(OfflinePayment).where(OfflinePayment.merchant_order_id == mo.id)
        )
        assert payment is not None and payment.receiver is Receiver.POINT
        (other,) = uow.session.get_one(Order, elsewhere.id).merchant_orders
        assert other.status is S.DELIVERED
    amount = money_fr(payment.amount_cents)
    # The money stays at the point until the operator comes for it: the page says how much.
    assert (
        f"Argent à remettre à l'animation du territoire : <strong>{amount} (espèces {amount})"
        in html
    )
    # The operator's, the shops' and the couriers' pages are not theirs.
    for url in ("/admin", "/admin/retraits", "/boutique", "/livreur/"):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/admin/retraits/points/{world.pickup_point_id}/argent-remis").status_code
        == 403
    )

    # The operator collects it on their next visit and says so on the *Retraits* page.
    client.post("/logout")
    login(client, world.operator_email)
    dashboard = client.get("/admin").get_data(as_text=True)
    assert (
        f'<span class="tile-number">{amount}</span> gardés par les points de retrait' in dashboard
    )
    listed = client.get("/admin/retraits").get_data(as_text=True)
    assert "Argent gardé par les points de retrait" in listed
    assert f"<strong>Le Tiers-Lieu du Ternois</strong> · {amount} (espèces {amount})" in listed
    collected = client.post(
        f"/admin/retraits/points/{world.pickup_point_id}/argent-remis", follow_redirects=True
    ).get_data(as_text=True)
    assert f"{amount} reçus du point de retrait." in collected
    assert "Argent gardé par les points de retrait" not in collected
    again = client.post(
        f"/admin/retraits/points/{world.pickup_point_id}/argent-remis", follow_redirects=True
    )  # a second click, or the back button
    assert "n&#39;a pas d&#39;argent à remettre" in again.get_data(as_text=True)
    assert client.post("/admin/retraits/points/99999/argent-remis").status_code == 404
    client.post("/logout")
    client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    assert "Argent à remettre" not in client.get("/point-retrait").get_data(as_text=True)


def test_one_order_with_two_shops_parcels_is_handed_over_as_one_order(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Jeanne's one order, a loaf and apples from two shops: the page listed it as one
    order, and handing it over said « 2 commandes remises au client. »"""
    oid = place_order(
        db, world, {world.bread_id: 1, world.apples_id: 1}, DeliveryMethod.PICKUP_POINT
    )
    with db.uow() as uow:
        order = uow.session.get_one(Order, oid)
        assert len(order.merchant_orders) == 2
        for mo in order.merchant_orders:
            for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
                transition(
                    uow=uow, merchant_order_id=mo.id, target=step, actor=Actor.system(), now=NOW
                )
        code, reference = order.delivery_code, order.reference
    temporary = staff_password(client, world)
    client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    page = client.get("/point-retrait").get_data(as_text=True)
    assert "1 commande à remettre" in page

    done = client.post(
        f"/point-retrait/{oid}", data={"code": code, "means": "cash"}, follow_redirects=True
    ).get_data(as_text=True)

    assert f"Commande {reference} remise à Jeanne Martin." in done
    assert "commandes remises" not in done


def test_a_deactivated_points_account_is_signed_out_at_once(
    client: FlaskClient, db: Database, world: World
) -> None:
    temporary = staff_password(client, world)
    staff = FlaskClient(client.application, use_cookies=True)
    staff.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    assert staff.get("/point-retrait").status_code == 200
    with db.uow() as uow:
        user = uow.session.scalar(select(User).where(User.email == "sylvie@example.fr"))
        assert user is not None and user.role is Role.POINT_STAFF

    login(client, world.operator_email)
    client.post(f"/admin/livreurs/{user.id}/etat", data={"active": "0"})

    assert staff.get("/point-retrait").status_code == 302  # back to the login page


def test_a_points_account_can_be_invited_by_email(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    _, page = create_staff(client, world.pickup_point_id, "paul.tl@example.fr", mode="email")
    assert "<code>" not in page
    with app.app_context():
        (invite,) = [m for m in mail.outbox() if m.to == "paul.tl@example.fr"]
    assert "Votre compte de point de retrait" in invite.subject
    assert "à « Le Tiers-Lieu du Ternois »" in invite.body and "/password/reset/" in invite.body


def test_a_point_of_another_territory_cannot_be_chosen(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    status, _ = create_staff(client, 999, "intrus@example.fr")
    assert status == 422
    with db.uow() as uow:
        assert uow.session.scalar(select(User).where(User.email == "intrus@example.fr")) is None


def test_the_point_keeps_aside_the_parcels_sent_back_to_the_shop(
    client: FlaskClient, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    temporary = staff_password(client, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})
    client.post("/logout")

    client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    page = client.get("/point-retrait").get_data(as_text=True).replace("&#39;", "'")
    assert "Aucun colis n'attend à votre point de retrait." in page  # not to hand over
    assert "Colis retournés, à ne plus remettre" in page
    (part,) = order.merchant_orders
    assert f'Boulangerie Lefebvre <span class="muted small">({part.reference})</span>' in page

    # Once the operator has brought them to the shop, the point has nothing left of them.
    client.post("/logout")
    login(client, world.operator_email)
    client.post(f"/admin/retraits/retours/{part.id}/rapportes")
    client.post("/logout")
    client.post("/login", data={"email": "sylvie@example.fr", "password": temporary})
    assert "Colis retournés" not in client.get("/point-retrait").get_data(as_text=True)
