"""Order e-mails: who receives what, in French, only for committed changes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask
from flask.testing import FlaskClient

from reference_app import create_app, jobs, mail, notifications
from reference_app.jobs import celery_app
from shop_core.accounts.model import User
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.merchants.services import get_merchant, merchants_of_user
from shop_core.orders.model import MerchantOrderStatus, Order, PaymentMethod, PaymentStatus
from shop_core.orders.services import transition
from shop_core.testing.factories import shoppers_code

from .conftest import NOW, World, login, use_celery_on_test_redis
from .shopping import add, orders_of, place_order, sent

S = MerchantOrderStatus


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def order(client: FlaskClient, world: World, db: Database, **fields: str) -> Order:
    login(client, world.shopper_email)
    add(client, world.bread_id, 2)
    add(client, world.roast_id, 1)
    response = place_order(client, **fields)
    assert response.status_code == 302
    (placed,) = orders_of(db, world.shopper_id)
    return placed


def move(app: Flask, mo_id: int, *targets: S, reason: str = "") -> None:
    """Transitions through the app's own database, as a back-office request would."""
    with app.app_context():
        with app.extensions["cabas_db"].uow() as uow:
            for target in targets:
                transition(
                    uow=uow,
                    merchant_order_id=mo_id,
                    target=target,
                    actor=Actor.system(),
                    reason=reason,
                    checked=shoppers_code(uow, mo_id),  # the code, where it is asked
                )


def test_checkout_mails_the_shopper_and_every_merchant(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    placed = order(client, world, db)
    mails = sent(app)
    to_shopper = [m for m in mails if m.to == world.shopper_email]
    assert [m.subject for m in to_shopper] == [f"Votre commande {placed.reference} est enregistrée"]
    body = to_shopper[0].body
    assert placed.reference in body and placed.delivery_code in body
    assert "Boulangerie Lefebvre" in body and "Ferme du Ternois" in body
    assert "prix estimé pour environ 1\u00a0kg, ajusté à la pesée" in body
    assert f"/mes-commandes/{placed.reference}" in body
    assert "Paiement : au livreur, à la livraison, en espèces ou par chèque." in body
    baker_ref, farmer_ref = (mo.reference for mo in placed.merchant_orders)
    by_recipient = {m.to: m for m in mails}
    assert by_recipient[world.baker_email].subject == (
        f"Nouvelle commande {baker_ref} à préparer pour le mardi 24 novembre"
    )
    assert "2 × Pain de campagne" in by_recipient[world.baker_email].body
    # Who takes the money, for this order: the courier at the door.
    assert (
        "Paiement : à la livraison, en espèces ou par chèque, encaissé par le livreur chez le "
        "client." in by_recipient[world.baker_email].body
    )
    assert "Rôti" not in by_recipient[world.baker_email].body
    assert by_recipient[world.farmer_email].subject.startswith(f"Nouvelle commande {farmer_ref}")
    assert len(mails) == 3


def test_shop_email_and_staff_each_get_the_new_order_once(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        baker = get_merchant(uow, world.baker_id)
        baker.email = "Contact@Boulangerie.fr"
        uow.commit()
        assert [m.id for m in merchants_of_user(uow, world.baker_user_id)] == [world.baker_id]
    order(client, world, db)
    baker_mails = [
        m.to for m in sent(app) if "Pain de campagne" in m.body and m.to != world.shopper_email
    ]
    assert sorted(baker_mails) == ["boulanger@example.fr", "contact@boulangerie.fr"]


def test_a_shop_without_any_email_is_reported_to_the_operators(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    from shop_core.merchants.model import MerchantMember

    with db.uow() as uow:
        for member in uow.session.query(MerchantMember).filter_by(merchant_id=world.farmer_id):
            uow.session.delete(member)
        uow.commit()
    order(client, world, db)
    (alert,) = [m for m in sent(app) if m.to == world.operator_email]
    assert alert.subject.startswith("À transmettre à Ferme du Ternois : nouvelle commande")
    assert "Rôti de porc" in alert.body


def test_refusal_tells_the_shopper_why(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    placed = order(client, world, db)
    sent(app).clear()
    move(app, placed.merchant_orders[0].id, S.REFUSED, reason="Plus de farine aujourd'hui")
    (mail,) = sent(app)
    assert mail.to == world.shopper_email
    assert mail.subject == (
        f"Boulangerie Lefebvre ne peut pas honorer votre commande {placed.reference}"
    )
    assert "Motif : Plus de farine aujourd'hui" in mail.body


@pytest.mark.parametrize(
    ("where", "steps", "subject"),
    [
        (
            "collect",
            (S.ACCEPTED, S.READY),
            "Votre commande chez Boulangerie Lefebvre est prête à retirer",
        ),
        (
            "home",
            (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER),
            "Votre commande {ref} est en cours de livraison",
        ),
        (
            "home",
            (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED),
            "Votre commande {ref} est livrée",
        ),
        (
            "point",
            (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED),
            "Votre commande {ref} vous attend au point de retrait",
        ),
    ],
)
def test_shopper_hears_when_the_order_is_ready_on_its_way_or_delivered(
    app: Flask,
    client: FlaskClient,
    world: World,
    db: Database,
    where: str,
    steps: tuple[S, ...],
    subject: str,
) -> None:
    choice = f"point-{world.pickup_point_id}" if where == "point" else where
    placed = order(client, world, db, where=choice)
    sent(app).clear()
    move(app, placed.merchant_orders[0].id, *steps)
    subjects = [m.subject for m in sent(app)]
    assert subjects[-1] == subject.format(ref=placed.reference)
    assert all(m.to == world.shopper_email for m in sent(app))


@pytest.mark.parametrize(
    ("where", "steps", "subject", "owed"),
    [
        ("home", (S.HANDED_TO_COURIER,), "en cours de livraison", "à la livraison"),
        ("point", (S.HANDED_TO_COURIER, S.DELIVERED), "vous attend", "au retrait"),
        ("collect", (), "prête à retirer", "sur place"),
    ],
)
@pytest.mark.parametrize("paid_online", [False, True])
def test_mails_ask_for_money_only_when_the_order_is_not_paid_yet(
    app: Flask,
    client: FlaskClient,
    world: World,
    db: Database,
    paid_online: bool,
    where: str,
    steps: tuple[S, ...],
    subject: str,
    owed: str,
) -> None:
    choice = f"point-{world.pickup_point_id}" if where == "point" else where
    placed = order(client, world, db, where=choice)
    steps = (S.ACCEPTED, S.READY, *steps)
    if paid_online:
        with db.uow() as uow:  # as if paid by card at checkout
            paid = uow.session.get_one(Order, placed.id)
            paid.payment_method, paid.payment_status = PaymentMethod.ONLINE, PaymentStatus.PAID
            uow.commit()
        steps = (S.PAID, *steps)
    move(app, placed.merchant_orders[0].id, *steps)

    (mail,) = [m for m in sent(app) if subject in m.subject]
    if paid_online:
        assert "Déjà payée en ligne : rien à régler" in mail.body
        assert "Montant à payer" not in mail.body
    else:
        assert f"Montant à payer {owed} : 7,00\u00a0€ (en espèces ou par chèque)" in mail.body


@pytest.mark.parametrize(
    ("where", "to_shopper", "to_shop"),
    [
        (
            "home",
            "Paiement : au livreur, à la livraison, en espèces ou par chèque.",
            "Paiement : à la livraison, en espèces ou par chèque, encaissé par le livreur chez le "
            "client.",
        ),
        (
            "point",
            "Paiement : au point de retrait, quand vous retirez votre commande, en espèces ou "
            "par chèque.",
            "Paiement : au point de retrait, en espèces ou par chèque, encaissé par son équipe.",
        ),
        (
            "collect",
            "Paiement : en boutique, quand vous retirez votre commande, en espèces ou par chèque.",
            "Paiement : à encaisser par vous quand le client retire sa commande, en espèces ou "
            "par chèque.",
        ),
    ],
)
def test_the_checkout_mails_say_who_takes_the_money_for_this_order(
    app: Flask,
    client: FlaskClient,
    world: World,
    db: Database,
    where: str,
    to_shopper: str,
    to_shop: str,
) -> None:
    choice = f"point-{world.pickup_point_id}" if where == "point" else where
    order(client, world, db, where=choice)

    by_recipient = {m.to: m.body for m in sent(app)}
    assert to_shopper in by_recipient[world.shopper_email]
    assert to_shop in by_recipient[world.baker_email]
    assert (
        "ou au retrait" not in by_recipient[world.shopper_email] + by_recipient[world.baker_email]
    )


def test_failed_delivery_is_explained_to_the_shopper(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    placed = order(client, world, db)
    mo = placed.merchant_orders[0].id
    move(app, mo, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER)
    sent(app).clear()
    move(app, mo, S.DELIVERY_FAILED, reason="Personne au domicile")
    (mail,) = sent(app)
    assert mail.subject == f"Livraison de votre commande {placed.reference} impossible"
    assert "Motif : Personne au domicile" in mail.body


def test_shopper_cancellation_warns_the_merchants_not_the_shopper(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    placed = order(client, world, db)
    sent(app).clear()
    client.post(f"/mes-commandes/{placed.reference}/annuler")
    recipients = sorted(m.to for m in sent(app))
    assert recipients == [world.baker_email, world.farmer_email]
    assert all("annulée par le client" in m.subject for m in sent(app))


def test_no_mail_for_a_change_that_rolled_back(
    app: Flask,
    client: FlaskClient,
    world: World,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    placed = order(client, world, db)
    sent(app).clear()
    mo_id = placed.merchant_orders[0].id

    def lost_connection() -> None:
        raise RuntimeError("the database went away")

    with app.app_context():
        with app.extensions["cabas_db"].uow() as uow:
            monkeypatch.setattr(uow, "commit", lost_connection)
            with pytest.raises(RuntimeError):
                transition(
                    uow=uow,
                    merchant_order_id=mo_id,
                    target=S.REFUSED,
                    actor=Actor.system(),
                    reason="Fermé",
                )
            uow.rollback()
            monkeypatch.undo()
            # The same session commits something else afterwards: the refusal stays unsent.
            transition(
                uow=uow,
                merchant_order_id=placed.merchant_orders[1].id,
                target=S.ACCEPTED,
                actor=Actor.system(),
            )
    assert sent(app) == []
    assert orders_of(db, world.shopper_id)[0].merchant_orders[0].status is S.PLACED
    move(app, mo_id, S.REFUSED, reason="Fermé")
    assert len(sent(app)) == 1


def test_an_order_that_failed_sends_nothing(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, where="collect", date="2026-11-29")  # shops closed
    assert response.status_code == 200
    assert sent(app) == []


def test_a_failing_mail_never_fails_the_order(
    app: Flask, client: FlaskClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(notifications.mail, "send", broken)
    placed = order(client, world, db)
    assert placed.reference
    page = client.get(f"/commande/{placed.reference}/confirmation")
    assert page.status_code == 200


def test_creating_the_app_again_does_not_double_the_mails(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    other = create_app({"TESTING": True, "DATABASE_URL": url, "MAIL_BACKEND": "memory"})
    other.extensions["cabas_db"].dispose()
    placed = order(client, world, db)
    confirmations = [m for m in sent(app) if m.subject.startswith("Votre commande")]
    assert len(confirmations) == 1 and placed.reference in confirmations[0].subject


def _reads(db: Database, user_id: int) -> str:
    with db.uow() as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        return user.locale


def test_a_shopper_who_switched_to_english_gets_english_mails_and_shops_french(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    client.get("/?lang=en")
    assert _reads(db, world.shopper_id) == "en"  # remembered on the account

    placed = order(client, world, db)

    by_recipient = {m.to: m for m in sent(app)}
    confirmation = by_recipient[world.shopper_email]
    assert confirmation.subject == f"Your order {placed.reference} has been placed"
    assert confirmation.body.startswith("Hello ")
    assert f"Handover code: {placed.delivery_code}" in confirmation.body
    assert "Home delivery on Tuesday 24 November, 9:00\u202fAM – 12:00\u202fPM" in confirmation.body
    assert "matin" not in confirmation.body.lower()  # the territory's French slot name
    assert "estimated price for about 1\u00a0kg, adjusted when weighed" in confirmation.body
    assert "Bonjour" not in confirmation.body and "Code de remise" not in confirmation.body
    assert "€" in confirmation.body and "," not in confirmation.body.split("Total: ")[1][:8]
    # The shops still read French.
    assert by_recipient[world.baker_email].subject.startswith("Nouvelle commande ")

    sent(app).clear()
    move(app, placed.merchant_orders[0].id, S.REFUSED, reason="Plus de farine aujourd'hui")
    (refusal,) = sent(app)
    assert refusal.subject == (f"Boulangerie Lefebvre cannot fulfil your order {placed.reference}")
    assert "Reason: Plus de farine aujourd'hui" in refusal.body


def test_the_account_language_comes_back_at_login_and_french_stays_the_default(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    assert _reads(db, world.shopper_id) == "fr"
    login(client, world.shopper_email)
    client.get("/?lang=en")
    with app.test_client() as other_device:
        login(other_device, world.shopper_email)
        assert "How does it work?" in other_device.get("/").get_data(as_text=True)
        other_device.get("/?lang=fr")
    assert _reads(db, world.shopper_id) == "fr"


def test_every_mail_to_shoppers_has_an_english_version(app: Flask) -> None:
    # Shops, couriers and operators read French; everything else goes to shoppers.
    loader = app.jinja_env.loader
    assert loader is not None
    listed = set(loader.list_templates())
    french = {
        name.removeprefix("mail/").removesuffix(".txt")
        for name in listed
        if name.startswith("mail/") and name.count("/") == 1
    }
    to_shoppers = {
        name
        for name in french
        if not name.startswith(("merchant_", "operator_")) and not name.endswith("_merchant")
    }
    assert {"order_confirmation", "status_delivered", "password_reset"} <= to_shoppers
    assert not {n for n in to_shoppers if f"mail/en/{n}.txt" not in listed}


def test_with_jobs_in_a_thread_no_page_waits_for_the_mail_server(
    app: Flask, client: FlaskClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["JOBS"] = "thread"
    server_answers = threading.Event()
    really_send = mail.send

    def slow_server(*args: Any, **kwargs: Any) -> None:
        server_answers.wait(10)
        really_send(*args, **kwargs)

    monkeypatch.setattr(mail, "send", slow_server)

    placed = order(client, world, db)  # the confirmation page came back...
    assert sent(app) == []  # ...while the mails still wait for the server

    server_answers.set()
    jobs.finish(app)
    to_shopper = [m for m in sent(app) if m.to == world.shopper_email]
    assert [m.subject for m in to_shopper] == [f"Votre commande {placed.reference} est enregistrée"]
    assert f"Suivre votre commande : http://localhost/mes-commandes/{placed.reference}" in (
        to_shopper[0].body
    )  # the link is built on the address the shopper used, outside the request
    assert len(sent(app)) == 3  # and each shop heard of it


def test_when_the_job_service_is_down_the_request_sends_the_mails_itself(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    # Nothing listens on port 9: no Celery worker can be reached.
    app.config.update(JOBS="celery", CELERY_BROKER_URL="redis://127.0.0.1:9/0")

    placed = order(client, world, db)

    subjects = [m.subject for m in sent(app) if m.to == world.shopper_email]
    assert subjects == [f"Votre commande {placed.reference} est enregistrée"]


def test_with_celery_a_worker_sends_the_mails(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    use_celery_on_test_redis(app)

    placed = order(client, world, db)
    assert sent(app) == []  # handed to the broker; no worker yet

    with start_worker(celery_app(app), pool="solo", perform_ping_check=False):
        deadline = time.monotonic() + 30
        while len(sent(app)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)

    to_shopper = [m for m in sent(app) if m.to == world.shopper_email]
    assert [m.subject for m in to_shopper] == [f"Votre commande {placed.reference} est enregistrée"]
    assert f"http://localhost/mes-commandes/{placed.reference}" in to_shopper[0].body
    assert len(sent(app)) == 3


@pytest.mark.parametrize(
    ("locale", "at_checkout", "when_ready"),
    [
        (
            "fr",
            "Code de remise : {code} (montrez-le en boutique quand vous retirez votre commande)",
            "Code de remise à montrer en boutique : {code}",
        ),
        (
            "en",
            "Handover code: {code} (show it at the shop when you collect your order)",
            "Handover code to show at the shop: {code}",
        ),
    ],
)
def test_a_click_and_collect_shopper_is_told_to_show_the_code_at_the_shop(
    app: Flask,
    client: FlaskClient,
    world: World,
    db: Database,
    locale: str,
    at_checkout: str,
    when_ready: str,
) -> None:
    # The shop asks for the code at the hand-over: the mails said to give it to the courier
    # or at the pickup point only.
    login(client, world.shopper_email)
    client.get(f"/?lang={locale}")
    placed = order(client, world, db, where="collect")
    code = placed.delivery_code

    (confirmation,) = [m for m in sent(app) if m.to == world.shopper_email]
    assert at_checkout.format(code=code) in confirmation.body
    assert "courier" not in confirmation.body and "livreur" not in confirmation.body
    sent(app).clear()
    move(app, placed.merchant_orders[0].id, S.ACCEPTED, S.READY)
    (ready,) = [m for m in sent(app) if m.to == world.shopper_email]
    assert when_ready.format(code=code) in ready.body


def test_a_home_delivery_confirmation_still_says_to_give_the_code_to_the_courier(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    placed = order(client, world, db)
    (confirmation,) = [m for m in sent(app) if m.to == world.shopper_email]
    assert (
        f"Code de remise : {placed.delivery_code} (donnez-le au livreur, ou au point de retrait "
        "si le colis y est déposé en votre absence)" in confirmation.body
    )
