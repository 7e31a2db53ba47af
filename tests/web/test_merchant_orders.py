"""Preparing orders from the merchant dashboard: accept, refuse, weigh, ready, hand over."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop_core.accounts.model import User
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans
from shop_core.persistence.base import utcnow

from .backoffice import merchant_order_of, place_order
from .conftest import World, csrf_token, login


def _status(db: Database, mo_id: int) -> S:
    with db.uow() as uow:
        return uow.session.get_one(MerchantOrder, mo_id).status


def test_dashboard_groups_orders_by_collection_time_with_counts(
    client: FlaskClient, db: Database, world: World
) -> None:
    place_order(db, world, {world.bread_id: 2})
    place_order(db, world, {world.cake_id: 1}, DeliveryMethod.CLICK_COLLECT)
    login(client, world.baker_email)
    page = client.get("/boutique").get_data(as_text=True)
    assert page.count('class="order-card"') == 2
    assert "Matin (9 h – 12 h)" in page and "Retrait à la boutique par le client" in page
    assert page.index("Livraison à domicile") < page.index("Retrait à la boutique par le client")
    assert '<span class="tile-number">2</span> à accepter' in page
    assert "Pour Jeanne" in page and "2 × Pain de campagne" in page
    assert "Accepter" in page and "Refuser…" in page


def test_accept_prepare_weigh_and_mark_ready(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.roast_id: 1, world.apples_id: 3})
    mo = merchant_order_of(db, order_id, world.farmer_id)
    roast_line = next(line for line in mo.lines if line.sold_by_weight)
    login(client, world.farmer_email)
    assert client.post(f"/boutique/commandes/{mo.id}/accepter").status_code == 302
    tiles = client.get("/boutique").get_data(as_text=True)
    assert (
        "1</span> acceptée</li>" in tiles and "0</span> prête</li>" in tiles
    )  # not « 1 acceptées »
    client.post(f"/boutique/commandes/{mo.id}/preparer")
    assert _status(db, mo.id) is S.PREPARING
    page = client.get("/boutique").get_data(as_text=True)
    assert f'name="poids-{roast_line.id}"' in page and "Entre 850 et 1150 g." in page

    # Out of tolerance: a French message, the typed weight stays, nothing changes.
    response = client.post(
        f"/boutique/commandes/{mo.id}/pesee",
        data={f"poids-{roast_line.id}": "1400", "action": "ready"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1400 g est hors tolérance pour « Rôti de porc » : entre 850 g et 1150 g." in page
    assert 'value="1400"' in page
    assert _status(db, mo.id) is S.PREPARING
    english = client.post(
        f"/boutique/commandes/{mo.id}/pesee?lang=en",
        data={f"poids-{roast_line.id}": "1400", "action": "ready"},
    )  # the same refusal on an English page: it was in French there
    assert "1400 g is outside the tolerance for “Rôti de porc”: between 850 g and 1150 g." in (
        html.unescape(english.get_data(as_text=True))
    )
    client.get("/?lang=fr")

    # Not a number: said in French too.
    page = client.post(
        f"/boutique/commandes/{mo.id}/pesee",
        data={f"poids-{roast_line.id}": "un kilo", "action": "ready"},
    ).get_data(as_text=True)
    assert "Indiquez le poids en grammes, par exemple 1050." in page

    response = client.post(
        f"/boutique/commandes/{mo.id}/pesee",
        data={f"poids-{roast_line.id}": "1 050", "action": "ready"},
    )
    assert response.status_code == 302
    done = merchant_order_of(db, order_id, world.farmer_id)
    assert done.status is S.READY
    weighed = next(line for line in done.lines if line.id == roast_line.id)
    assert weighed.final_weight_g == 1050 and weighed.total_incl_cents == 1985
    assert done.total_incl_cents == 1985 + 3 * 290


def test_the_order_page_fills_the_weights_already_weighed(
    client: FlaskClient, db: Database, world: World
) -> None:
    # The items said « (pesé 810 g) » above empty inputs, even right after saving.
    order_id = place_order(db, world, {world.roast_id: 1})
    mo = merchant_order_of(db, order_id, world.farmer_id)
    line = mo.lines[0]
    login(client, world.farmer_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    saved = client.post(
        f"/boutique/commandes/{mo.id}/pesee",
        data={f"poids-{line.id}": "900", "action": "save", "back": "detail"},
        follow_redirects=True,
    ).get_data(as_text=True)
    page = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    for shown in (saved, page):
        assert re.search(rf'name="poids-{line.id}"\s+value="900"', shown)


def test_ready_without_the_weight_asks_for_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.roast_id: 1})
    mo = merchant_order_of(db, order_id, world.farmer_id)
    login(client, world.farmer_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    page = client.post(
        f"/boutique/commandes/{mo.id}/pesee", data={"action": "ready", "back": "detail"}
    ).get_data(as_text=True)
    assert "Pesez « Rôti de porc » (850 à 1150 g)." in page
    assert _status(db, mo.id) is S.ACCEPTED


def test_the_merchant_says_how_many_parcels_an_order_makes_when_marking_it_ready(
    client: FlaskClient, db: Database, world: World
) -> None:
    # A butcher's three bags were all « 1 colis » for the courier.
    order_id = place_order(db, world, {world.roast_id: 1})
    mo = merchant_order_of(db, order_id, world.farmer_id)
    roast_line = mo.lines[0]
    login(client, world.farmer_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    page = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    assert "Nombre de colis" in page and 'name="colis"' in page and 'value="1"' in page

    # Wrong number and wrong weight: both said at once, by their fields; nothing changes.
    for typed in ("0", "21", "trois", "²"):
        response = client.post(
            f"/boutique/commandes/{mo.id}/pesee",
            data={"colis": typed, f"poids-{roast_line.id}": "1400", "action": "ready"},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert "Indiquez un nombre de colis entre 1 et 20." in page, typed
        assert f'value="{typed}"' in page
        if typed in ("0", "21"):  # a number out of range is told with the weights' errors
            assert "hors tolérance" in page
    assert merchant_order_of(db, order_id, world.farmer_id).parcels == 1
    assert _status(db, mo.id) is S.ACCEPTED

    response = client.post(
        f"/boutique/commandes/{mo.id}/pesee",
        data={"colis": "3", f"poids-{roast_line.id}": "1000", "action": "ready"},
    )
    assert response.status_code == 302
    done = merchant_order_of(db, order_id, world.farmer_id)
    assert done.status is S.READY and done.parcels == 3
    # Once ready the field is gone: the order page still says what the courier will take.
    ready = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    assert re.search(r"<dt>Colis</dt><dd>3</dd>", ready)


def test_a_click_and_collect_order_asks_no_number_of_parcels(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.cake_id: 1}, DeliveryMethod.CLICK_COLLECT)
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    page = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    assert "Marquer prête" in page and 'name="colis"' not in page


def test_refusing_needs_a_reason_and_gives_the_stock_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.cake_id: 2})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    response = client.post(f"/boutique/commandes/{mo.id}/refuser", data={"reason": ""})
    assert response.status_code == 422
    assert "Choisissez un motif." in response.get_data(as_text=True)
    other = client.post(
        f"/boutique/commandes/{mo.id}/refuser", data={"reason": "autre", "details": ""}
    )
    assert "Précisez le motif pour le client." in other.get_data(as_text=True)
    assert _status(db, mo.id) is S.PLACED
    client.post(
        f"/boutique/commandes/{mo.id}/refuser",
        data={"reason": "epuise", "details": "Four en panne"},
    )
    refused = merchant_order_of(db, order_id, world.baker_id)
    assert refused.status is S.REFUSED
    assert refused.history[-1].reason == "Produit épuisé : Four en panne"
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.cake_id).stock_quantity == 2


def test_a_refusal_typed_on_an_english_page_reaches_each_reader_in_their_language(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # The reason was stored in the merchant's language: the French shopper read
    # « Motif : Other reason : … », and the English history « Declined: Other reason : … ».
    outbox = app.extensions["cabas_outbox"]
    order_id = place_order(db, world, {world.cake_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    client.get("/boutique?lang=en")
    outbox.clear()

    client.post(
        f"/boutique/commandes/{mo.id}/refuser",
        data={"reason": "autre", "details": "Four en panne"},
    )

    assert merchant_order_of(db, order_id, world.baker_id).history[-1].reason == (
        "Autre motif : Four en panne"
    )
    (mail,) = [m for m in outbox if m.to == world.shopper_email]
    assert "Motif : Autre motif : Four en panne" in mail.body
    english = html.unescape(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))
    assert "Declined: Other reason: Four en panne" in english
    client.post("/logout")
    login(client, world.shopper_email)
    client.get("/?lang=fr")
    with db.uow() as uow:
        reference = uow.session.get_one(Order, order_id).reference
    mine = html.unescape(client.get(f"/mes-commandes/{reference}").get_data(as_text=True))
    assert "<em>Autre motif : Four en panne</em>" in mine


def test_an_english_shopper_reads_the_refusal_reason_in_english(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    with db.uow() as uow:
        shopper = uow.session.scalar(select(User).where(User.email == world.shopper_email))
        assert shopper is not None
        shopper.locale = "en"
        uow.commit()
    order_id = place_order(db, world, {world.cake_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    client.post(
        f"/boutique/commandes/{mo.id}/refuser",
        data={"reason": "epuise", "details": "Four en panne"},
    )

    (mail,) = [m for m in outbox if m.to == world.shopper_email]
    assert "Reason: Product sold out: Four en panne" in mail.body


def _ready_for_collection(
    client: FlaskClient, db: Database, world: World, *, online: bool = False
) -> tuple[MerchantOrder, str]:
    """Jeanne's click-and-collect bread, made ready by the signed-in baker; and her code."""
    paid = PaymentMethod.ONLINE if online else PaymentMethod.OFFLINE
    order_id = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.CLICK_COLLECT, paid)
    mo = merchant_order_of(db, order_id, world.baker_id)
    if online:  # the card payment went through
        with db.uow() as uow:
            transition(uow=uow, merchant_order_id=mo.id, target=S.PAID, actor=Actor.system())
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    client.post(f"/boutique/commandes/{mo.id}/pesee", data={"action": "ready"})
    assert _status(db, mo.id) is S.READY
    with db.uow() as uow:
        return mo, uow.session.get_one(Order, order_id).delivery_code


def _no_payment(db: Database) -> bool:
    with db.uow() as uow:
        return not list(uow.session.scalars(select(OfflinePayment)))


def test_click_and_collect_is_handed_over_at_the_shop_against_the_shoppers_code(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    mo, code = _ready_for_collection(client, db, world)
    page = client.get("/boutique").get_data(as_text=True)
    assert "Remise au client" in page and "Paiement reçu (3,50\u00a0€)" in page
    assert (
        f'<input type="text" id="code-{mo.id}" name="code" inputmode="numeric" autocomplete="off"'
        in page
    )

    # No code, then a wrong one: refused by the code, the means chosen kept, nothing recorded.
    for typed in ("", "0000" if code != "0000" else "1111"):
        refused = client.post(
            f"/boutique/commandes/{mo.id}/remise", data={"code": typed, "means": "cheque"}
        )
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422
        said = "Code incorrect : demandez au client" if typed else "Indiquez le code à 4 chiffres"
        assert said in page
        assert f'id="code-{mo.id}-err" role="alert"' in page and f'value="{typed}"' in page
        assert 'value="cheque" checked' in page
        assert "Rien n'a changé : une commande est à corriger." in page
        assert _status(db, mo.id) is S.READY and _no_payment(db)

    # The right code but no means: refused by the means, the code typed kept.
    forgot = client.post(f"/boutique/commandes/{mo.id}/remise", data={"code": code})
    page = html.unescape(forgot.get_data(as_text=True))
    assert forgot.status_code == 422
    assert "Indiquez comment le client a payé : espèces ou chèque." in page
    assert f'id="means-{mo.id}-err"' in page and f'value="{code}"' in page
    assert _status(db, mo.id) is S.READY and _no_payment(db)

    done = client.post(
        f"/boutique/commandes/{mo.id}/remise", data={"code": f" {code} ", "means": "cash"}
    )
    assert done.status_code == 302
    assert _status(db, mo.id) is S.PICKED_UP
    assert f"commande-{mo.id}" not in client.get("/boutique").get_data(as_text=True)
    with db.uow() as uow:
        (paid,) = uow.session.scalars(select(OfflinePayment))
        assert (paid.merchant_order_id, paid.amount_cents) == (mo.id, 350)
        assert paid.means is PaymentMeans.CASH and paid.handed_in_at is not None  # kept
        assert uow.session.get_one(Order, mo.order_id).payment_status is PaymentStatus.PAID


def test_a_wrong_code_on_the_order_page_shows_the_order_page_again(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    mo, code = _ready_for_collection(client, db, world, online=True)
    page = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    assert f'id="code-{mo.id}"' in page and "Paiement reçu" not in page  # paid online

    refused = client.post(
        f"/boutique/commandes/{mo.id}/remise", data={"code": "12", "back": "detail"}
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert f"Commande {mo.reference}" in page and "Code incorrect" in page
    assert _status(db, mo.id) is S.READY

    done = client.post(
        f"/boutique/commandes/{mo.id}/remise",
        data={"code": code, "back": "detail"},
    )
    assert done.headers["Location"].endswith(f"/boutique/commandes/{mo.id}")
    assert _status(db, mo.id) is S.PICKED_UP


def test_the_operator_acting_for_the_shop_needs_the_code_too(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    mo, code = _ready_for_collection(client, db, world)
    client.post("/logout")
    login(client, world.operator_email)
    client.post(f"/admin/boutiques/{world.baker_id}/agir")

    refused = client.post(f"/boutique/commandes/{mo.id}/remise", data={"means": "cash"})
    assert refused.status_code == 422 and "Indiquez le code à 4 chiffres" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert _status(db, mo.id) is S.READY

    client.post(
        f"/boutique/commandes/{mo.id}/remise",
        data={"code": code, "means": "cash"},
    )
    assert _status(db, mo.id) is S.PICKED_UP


def test_a_second_tap_on_hand_over_says_the_order_moved_on(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    mo, code = _ready_for_collection(client, db, world)
    data = {"code": code, "means": "cash"}
    client.post(f"/boutique/commandes/{mo.id}/remise", data=data)
    again = client.post(f"/boutique/commandes/{mo.id}/remise", data=data, follow_redirects=True)
    page = html.unescape(again.get_data(as_text=True))
    assert "est « Retirée par le client » : cette action n'est plus possible" in page
    with db.uow() as uow:
        assert len(list(uow.session.scalars(select(OfflinePayment)))) == 1


def test_a_second_click_on_accept_says_the_order_moved_on(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    client.post(f"/boutique/commandes/{mo.id}/accepter")
    again = client.post(f"/boutique/commandes/{mo.id}/accepter", follow_redirects=True)
    assert "est « Acceptée » : cette action n&#39;est plus possible" in again.get_data(as_text=True)


def test_order_detail_shows_lines_delivery_and_history(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 2}, DeliveryMethod.PICKUP_POINT)
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    page = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)
    assert mo.reference in page and "Le Tiers-Lieu du Ternois" in page
    assert "7,00" in page and "À accepter" in page


def test_merchant_b_cannot_see_or_move_merchant_as_order(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    baker_part = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.farmer_email)
    assert client.get(f"/boutique/commandes/{baker_part.id}").status_code == 404
    assert client.post(f"/boutique/commandes/{baker_part.id}/accepter").status_code == 404
    assert (
        client.post(
            f"/boutique/commandes/{baker_part.id}/refuser", data={"reason": "epuise"}
        ).status_code
        == 404
    )
    page = client.get("/boutique").get_data(as_text=True)
    assert baker_part.reference not in page and "Pommes Reinette" in page
    assert _status(db, baker_part.id) is S.PLACED


def test_statistics_show_this_weeks_orders_revenue_and_best_seller(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 3})
    with db.uow() as uow:  # the page counts weeks up to today, whatever NOW was
        for mo in uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ):
            mo.created_at = utcnow()
        uow.commit()
    login(client, world.baker_email)
    page = client.get("/boutique/statistiques").get_data(as_text=True)
    assert "Mes 8 dernières semaines" in page
    assert page.count('class="week-card') == 8
    assert "Pain de campagne" in page and "10,50" in page


def test_statistics_count_the_weeks_up_to_the_apps_today_not_the_system_clocks(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """With the app's clock pinned (``FIXED_NOW``) months away from the system's, the page
    shows the eight weeks up to the pinned day, with that day's sale in its current week."""
    pinned = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # a Wednesday, ISO week 24
    app.config["FIXED_NOW"] = pinned
    order_id = place_order(db, world, {world.bread_id: 3})
    with db.uow() as uow:
        for mo in uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ):
            mo.created_at = pinned
        uow.commit()
    login(client, world.baker_email)
    page = client.get("/boutique/statistiques").get_data(as_text=True)
    current = page.split('class="week-card is-current')[1].split("</li>")[0]
    assert "Semaine 24" in current and "8 juin" in current and "14 juin" in current
    assert "Pain de campagne" in current and "10,50" in current


def test_orders_list_shows_every_order_of_the_shop_only(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1, world.apples_id: 1})
    login(client, world.baker_email)
    page = client.get("/boutique/commandes").get_data(as_text=True)
    with db.uow() as uow:
        refs = dict(
            uow.session.execute(
                select(MerchantOrder.merchant_id, MerchantOrder.reference).where(
                    MerchantOrder.order_id == order_id
                )
            ).all()
        )
    assert refs[world.baker_id] in page and refs[world.farmer_id] not in page
    # The shopper's first name only, as on the dashboard; each cell labelled for phones.
    assert '<td data-label="Client">Jeanne</td>' in page and "Martin" not in page


def test_dashboard_buttons_carry_a_csrf_token(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/boutique/commandes/{mo.id}/accepter").status_code == 400
    token = csrf_token(client.get("/boutique").get_data(as_text=True))
    response = client.post(f"/boutique/commandes/{mo.id}/accepter", data={"csrf_token": token})
    assert response.status_code == 302
    assert _status(db, mo.id) is S.ACCEPTED
