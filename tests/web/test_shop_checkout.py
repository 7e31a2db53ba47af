"""Checkout: where and when, one order split per merchant, refusals that keep what was typed."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app import db as db_module
from reference_app import domain_messages
from reference_app.shopfront.delivery_choice import resolve_commune
from shop_core.accounts.model import Address
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import get_product, product_input, update_product
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.merchants.closures import ClosureInput, add_closure
from shop_core.merchants.services import set_opening_hours
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import PickupPoint
from tests.unit.delivery.fake_http import serving

from .conftest import NOW, PASSWORD, World, login
from .shopping import SATURDAY, SUNDAY, TUESDAY, add, checkout_form, orders_of, place_order, sent

NEW_ADDRESS = {
    "address": "new",
    "recipient": "Jeanne Martin",
    "line1": "12 rue du Moulin",
    "line2": "",
    "postal_code": "62270",
    "city": "frevent",
    "phone": "0611223344",
    "instructions": "Sonner fort",
    "save_address": "y",
}


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def page_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def fill_two_merchants(client: FlaskClient, world: World) -> None:
    add(client, world.bread_id, 2)
    add(client, world.apples_id, 3)


def test_checkout_asks_to_log_in_and_comes_back(client: FlaskClient, world: World) -> None:
    add(client, world.bread_id)
    response = client.get("/commande")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/commande")
    response = client.post(
        "/login?next=/commande", data={"email": world.shopper_email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/commande"
    assert client.get("/commande").status_code == 200


def test_checkout_page_shows_three_steps_dates_and_summary(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    fill_two_merchants(client, world)
    page = page_of(client.get("/commande"))
    for step in ("Comment recevoir vos courses", "Quel jour\u00a0?", "Comment payer\u00a0?"):
        assert step in page
    # The days are radio buttons: a select box on a phone cuts the end of its text.
    assert (
        f'<input checked id="date-0" name="date" required type="radio" value="{TUESDAY}"> '
        '<label for="date-0">Demain, mardi 24 novembre</label>'
    ) in page
    # A shop of the basket is closed on Mondays: Monday 30 is not offered.
    assert 'value="2026-11-30"' not in page
    assert "Le Tiers-Lieu du Ternois" in page and "2 place de l'Hôtel de Ville" in page
    # The slot's hours stay on one line on a phone (« (9 » / « h – 12 h) » before).
    assert "Matin (9\u00a0h\u00a0– 12\u00a0h)" in page
    assert "Paiement à la livraison ou au retrait" in page
    paying = page.split('id="etape-3"', 1)[1].split("</section>", 1)[0]
    assert (
        "Vous payez en espèces ou par chèque au livreur, au point de retrait ou en boutique."
    ) in paying
    assert "carte" not in paying  # neither courier, point nor shop takes one
    assert "3 rue des Tilleuls" in page  # the saved address
    assert "Valider ma commande · 15,70\u00a0€" in page


def _hint(page: str) -> str:
    """The hint above the days offered."""
    return page.split('id="date-hint">', 1)[1].split("</p>", 1)[0]


def test_the_first_day_offered_says_why_no_earlier_one_is(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config["FIXED_NOW"] = dt.datetime(2026, 11, 28, 18, 0, tzinfo=dt.UTC)  # Sat., 19 h
    login(client, world.shopper_email)
    fill_two_merchants(client, world)

    hint = _hint(page_of(client.get("/commande")))

    assert hint == (
        "Le premier jour possible est le mardi 1er décembre. "
        "Pour demain, il fallait commander avant 18\u00a0h. "
        "Boulangerie Lefebvre et Ferme du Ternois n'ouvrent pas le lundi 30 novembre."
    )
    english = _hint(page_of(client.get("/commande?lang=en")))
    assert english.endswith(
        "Boulangerie Lefebvre and Ferme du Ternois are closed on Monday 30 November."
    )


def test_a_shop_s_exceptional_closure_is_named_as_why_the_first_day_is_later(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        add_closure(
            uow=uow,
            merchant_id=world.baker_id,
            data=ClosureInput(
                starts=dt.date(2026, 11, 24), ends=dt.date(2026, 11, 25), note="Congés"
            ),
            actor=Actor.system(),
            today=dt.date(2026, 11, 23),
        )
    login(client, world.shopper_email)
    add(client, world.bread_id)

    hint = _hint(page_of(client.get("/commande")))

    assert hint == (
        "Le premier jour possible est le jeudi 26 novembre. Boulangerie Lefebvre : fermeture "
        "exceptionnelle du mardi 24 novembre au mercredi 25 novembre (Congés)."
    )
    # English said « closed on Tuesday 24 November to Wednesday 25 November ».
    english = _hint(page_of(client.get("/commande?lang=en")))
    assert english.endswith(
        "Boulangerie Lefebvre: closed from Tuesday 24 November to Wednesday 25 November (Congés)."
    )


def test_basket_from_two_merchants_becomes_two_merchant_orders(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    fill_two_merchants(client, world)
    response = place_order(client)
    assert response.status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert response.headers["Location"].endswith(f"/commande/{order.reference}/confirmation")
    assert [mo.merchant.trade_name for mo in order.merchant_orders] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    assert order.delivery_method is DeliveryMethod.HOME and order.delivery_slot == "matin"
    assert order.address_line1 == "3 rue des Tilleuls" and order.insee_code == "62767"
    page = page_of(client.get(response.headers["Location"]))
    assert order.reference in page and order.delivery_code in page
    assert page.count('class="panel merchant-order"') == 2
    assert "Mardi 24 novembre, matin (9\u00a0h\u00a0– 12\u00a0h)" in page
    assert "À la livraison, au livreur, en espèces ou par chèque" in page
    assert "Votre panier est vide." in page_of(client.get("/panier"))
    orders_page = page_of(client.get("/mes-commandes"))
    assert order.reference in orders_page
    assert (
        "Boulangerie Lefebvre\u00a0: " in orders_page and "Ferme du Ternois\u00a0: " in orders_page
    )


def test_new_address_is_checked_against_the_gazetteer_and_saved(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **NEW_ADDRESS)
    assert response.status_code == 302, page_of(response)[:3000]
    (order,) = orders_of(db, world.shopper_id)
    assert (order.city, order.insee_code) == ("Frévent", "62361")
    assert order.lat is not None and order.address_approximate
    assert "Sonner fort" in order.delivery_instructions
    with db.uow() as uow:
        saved = uow.session.scalars(
            select(Address).where(Address.user_id == world.shopper_id).order_by(Address.id)
        ).all()
        assert [a.city for a in saved] == ["Saint-Pol-sur-Ternoise", "Frévent"]
        assert saved[1].insee_code == "62361"
        # Not « Domicile » a second time: named after its commune (her own name on it).
        assert [a.label for a in saved] == ["Domicile", "Frévent"]


def test_an_address_typed_for_someone_else_is_saved_under_their_name(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **{**NEW_ADDRESS, "recipient": "Marcelle Martin"})
    assert response.status_code == 302, page_of(response)[:3000]
    with db.uow() as uow:
        saved = uow.session.scalars(
            select(Address).where(Address.user_id == world.shopper_id).order_by(Address.id)
        ).all()
        assert [a.label for a in saved] == ["Domicile", "Marcelle Martin"]
    add(client, world.bread_id)
    checkout = page_of(client.get("/commande"))
    assert "<strong>Marcelle Martin</strong>" in checkout  # the choice of saved addresses


def test_commune_not_served_is_refused_and_keeps_what_was_typed(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **{**NEW_ADDRESS, "postal_code": "62140", "city": "Hesdin"})
    page = page_of(response)
    assert response.status_code == 200
    assert "La livraison à domicile ne va pas encore jusqu'à Hesdin." in page
    assert 'value="12 rue du Moulin"' in page and 'value="62140"' in page
    assert "Sonner fort" in page
    assert orders_of(db, world.shopper_id) == []


def test_unknown_commune_lists_the_communes_of_the_postal_code(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **{**NEW_ADDRESS, "postal_code": "62130", "city": "Paris"})
    page = page_of(response)
    assert "Nous ne trouvons pas « Paris » avec le code postal 62130." in page
    assert "Communes de ce code postal : Saint-Pol-sur-Ternoise" in page


def test_a_postal_code_outside_the_region_says_we_do_not_deliver_there(
    client: FlaskClient, world: World, db: Database
) -> None:
    # Was « Le code postal 75001 est inconnu. »: it is a real one, only not ours.
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **{**NEW_ADDRESS, "postal_code": "75001", "city": "Paris"})
    page = page_of(response)
    assert (
        "Le code postal 75001 ne correspond à aucune commune que nous livrons : vérifiez-le."
        in page
    )
    assert 'value="75001"' in page and "Sonner fort" in page
    assert orders_of(db, world.shopper_id) == []


@pytest.mark.parametrize(
    ("postal_code", "city", "msgid", "field"),
    [
        ("75001", "Paris", "Le code postal %(postal_code)s ne correspond", "postal_code"),
        ("62130", "Paris", "Nous ne trouvons pas « %(city)s » avec le code postal", "city"),
    ],
)
def test_a_commune_not_found_is_worded_from_the_catalogue_on_other_languages(
    app: Flask,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    postal_code: str,
    city: str,
    msgid: str,
    field: str,
) -> None:
    # The message was built French with its values, so no catalogue could translate it and
    # English pages showed it in French: it must be looked up with its placeholders.
    looked_up: list[str] = []

    def gettext(message: str, **values: Any) -> str:
        looked_up.append(message)
        return "EN " + message % values

    monkeypatch.setattr(domain_messages, "gettext", gettext)
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        with pytest.raises(ValidationError) as refused:
            resolve_commune(db_module.territory(), postal_code, city)
        shown_ = domain_messages.shown(refused.value)
    assert refused.value.field == field
    assert looked_up and looked_up[0].startswith(msgid)
    assert shown_.startswith("EN ") and postal_code in shown_


def test_missing_address_fields_give_french_errors_without_losing_anything(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    form = {**NEW_ADDRESS, "line1": "", "postal_code": "621", "city": ""}
    response = place_order(client, **form)
    page = page_of(response)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in page
    assert "Indiquez le numéro et la rue." in page
    assert "Le code postal doit comporter 5 chiffres." in page
    assert "Indiquez la commune." in page
    assert 'value="0611223344"' in page and 'value="621"' in page
    assert orders_of(db, world.shopper_id) == []


def test_a_new_address_with_a_phone_that_is_not_a_number_is_refused(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **{**NEW_ADDRESS, "phone": "abc"})
    page = page_of(response)
    assert response.status_code == 200
    assert "Numéro de téléphone invalide : écrivez par exemple 03\u00a021" in page
    assert 'value="abc"' in page and 'value="12 rue du Moulin"' in page
    assert orders_of(db, world.shopper_id) == []
    assert place_order(client, **{**NEW_ADDRESS, "phone": ""}).status_code == 302


def test_a_saved_address_is_not_refused_for_the_other_addresss_phone(
    client: FlaskClient, world: World, db: Database
) -> None:
    """The « Une autre adresse » fields are not used when a saved address is chosen."""
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client, phone="abc").status_code == 302


@pytest.mark.parametrize(
    "changes",
    [
        {"where": "ailleurs"},
        {"date": "2020-01-01"},
        {"date": "pas-une-date"},
        {"slot": "minuit"},
        {"address": "999999"},
        {"where": ""},
    ],
)
def test_tampered_choices_are_refused_in_french_without_an_error_page(
    client: FlaskClient, world: World, db: Database, changes: dict[str, str]
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, **changes)
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in page_of(response)
    assert orders_of(db, world.shopper_id) == []


def test_pickup_point_order_keeps_the_point(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, where=f"point-{world.pickup_point_id}", address="")
    assert response.status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert order.delivery_method is DeliveryMethod.PICKUP_POINT
    assert order.pickup_point_id == world.pickup_point_id
    page = page_of(client.get(response.headers["Location"]))
    assert "Le Tiers-Lieu du Ternois" in page
    # Named as everywhere else on the site; the weekday in lower case inside the sentence.
    assert "<dd>Point de retrait</dd>" in page and "relais" not in page
    assert re.search(r"<dt>Jour de retrait</dt>\s*<dd>À partir du mardi 24 novembre</dd>", page)


def _open_wednesday_to_friday_mornings(db: Database, world: World) -> None:
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, world.pickup_point_id)
        update_pickup_point(
            uow=uow, territory_id=world.territory_id, point_id=point.id, name=point.name,
            address=point.address, postal_code=point.postal_code, city=point.city,
            hours=[(day, dt.time(9), dt.time(12)) for day in (2, 3, 4)]
            + [(4, dt.time(14), dt.time(17, 30))],
        )  # fmt: skip


def test_a_pickup_on_a_day_the_point_is_closed_is_refused_with_its_next_opening(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    _open_wednesday_to_friday_mornings(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    offered = page_of(client.get("/commande"))
    assert "Ouvert du mercredi au vendredi" in offered  # under the point's name

    refused = place_order(client, where=f"point-{world.pickup_point_id}", date=TUESDAY)

    assert refused.status_code == 200 and orders_of(db, world.shopper_id) == []
    assert (
        "Le point de retrait « Le Tiers-Lieu du Ternois » est fermé le mardi 24 novembre : "
        "choisissez le mercredi 25 novembre, ou un autre point de retrait."
    ) in page_of(refused)
    # A later closed day too is sent to the soonest offered day the point opens.
    later = place_order(client, where=f"point-{world.pickup_point_id}", date=SATURDAY)
    assert "fermé le samedi 28 novembre : choisissez le mercredi 25 novembre" in page_of(later)
    # The summary above the form: « Comment recevoir vos courses ? Le point… », not « ? : ».
    assert re.search(r"Comment recevoir vos courses\s\? Le point de retrait", page_of(refused))
    wednesday = (dt.date.fromisoformat(TUESDAY) + dt.timedelta(days=1)).isoformat()
    response = place_order(client, where=f"point-{world.pickup_point_id}", date=wednesday)
    page = page_of(client.get(response.headers["Location"]))
    told = page.split("<dt>Jour de retrait</dt>", 1)[1].split("</dd>", 1)[0]
    assert "À partir du mercredi 25 novembre, 9\u00a0h – 12\u00a0h" in told
    assert "fermé" not in told
    (mail,) = [m for m in sent(app) if m.to == world.shopper_email]
    assert (
        "Retrait au point « Le Tiers-Lieu du Ternois » à partir du mercredi 25 novembre, "
        "9\u00a0h – 12\u00a0h\n"
    ) in mail.body


def test_a_closed_point_names_the_next_day_the_page_offers_not_one_a_shop_is_closed(
    client: FlaskClient, world: World, db: Database
) -> None:
    """The point opens on Wednesday, but the baker is closed then: the shopper is sent to
    Thursday, a day the page offers, not to a Wednesday it does not."""
    _open_wednesday_to_friday_mornings(db, world)
    wednesday = dt.date.fromisoformat(TUESDAY) + dt.timedelta(days=1)
    with db.uow() as uow:
        add_closure(
            uow=uow, merchant_id=world.baker_id,
            data=ClosureInput(starts=wednesday, ends=wednesday, note=""),
            actor=Actor.system(), today=wednesday - dt.timedelta(days=2),
        )  # fmt: skip
    login(client, world.shopper_email)
    add(client, world.bread_id)

    refused = place_order(client, where=f"point-{world.pickup_point_id}", date=TUESDAY)

    assert orders_of(db, world.shopper_id) == []
    assert (
        "est fermé le mardi 24 novembre : choisissez le jeudi 26 novembre, ou un autre point"
    ) in page_of(refused)


def test_an_order_placed_before_the_point_gave_its_hours_says_when_the_shopper_can_go(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, where=f"point-{world.pickup_point_id}", date=TUESDAY)
    _open_wednesday_to_friday_mornings(db, world)  # typed by the operator since

    page = page_of(client.get(response.headers["Location"]))
    told = page.split("<dt>Jour de retrait</dt>", 1)[1].split("</dd>", 1)[0]
    assert "À partir du mercredi 25 novembre, 9\u00a0h – 12\u00a0h" in told
    assert "Le point de retrait est fermé le mardi 24 novembre." in told


def test_click_and_collect_on_a_closing_day_gives_the_shop_message(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    response = place_order(client, where="collect", date=SUNDAY)
    page = page_of(response)
    assert response.status_code == 200
    # The baker's closing day is not even offered: a date typed in by hand is refused.
    assert "Choisissez un des jours proposés." in page
    assert f'value="{SUNDAY}"' not in page
    assert orders_of(db, world.shopper_id) == []
    assert place_order(client, where="collect", date=TUESDAY).status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert order.delivery_method is DeliveryMethod.CLICK_COLLECT


def test_double_submit_creates_one_order(client: FlaskClient, world: World, db: Database) -> None:
    login(client, world.shopper_email)
    fill_two_merchants(client, world)
    form = checkout_form(client)
    first = client.post("/commande", data=form)
    second = client.post("/commande", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(orders_of(db, world.shopper_id)) == 1


def test_price_change_after_the_page_was_shown_goes_back_to_the_basket(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id, 2)
    form = checkout_form(client)
    with db.uow() as uow:
        data = product_input(get_product(uow, world.bread_id))
        data.price_cents = 390
        update_product(
            uow=uow,
            product_id=world.bread_id,
            merchant_id=world.baker_id,
            data=data,
            actor=Actor.system(),
        )
    response = client.post("/commande", data=form, follow_redirects=True)
    page = page_of(response)
    assert "Des prix ont changé depuis l'affichage de votre panier" in page
    assert "<del>3,50\u00a0€</del> → <ins>3,90\u00a0€</ins>" in page
    assert orders_of(db, world.shopper_id) == []


def test_stock_gone_before_submitting_says_so_on_the_basket(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.cake_id, 2)
    form = checkout_form(client)
    with db.uow() as uow:
        uow.session.get_one(Product, world.cake_id).stock_quantity = 1
        uow.commit()
    response = client.post("/commande", data=form, follow_redirects=True)
    page = page_of(response)
    assert "Il n'en reste qu'un\u00a0: réduisez la quantité." in page
    assert orders_of(db, world.shopper_id) == []


def test_checkout_with_an_empty_basket_goes_to_the_basket(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    response = client.get("/commande", follow_redirects=True)
    assert "Votre panier est vide" in page_of(response)


def test_another_shoppers_confirmation_is_not_found(
    client: FlaskClient, app: Flask, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    location = place_order(client).headers["Location"]
    other = app.test_client()
    login(other, world.shopper2_email)
    assert other.get(location).status_code == 404
    (order,) = orders_of(db, world.shopper_id)
    assert order.merchant_orders[0].status is MerchantOrderStatus.PLACED


def test_saved_address_outside_the_delivery_area_is_refused_at_the_address(
    client: FlaskClient, world: World, db: Database
) -> None:
    from shop_core.accounts.services import add_address

    with db.uow() as uow:
        far = add_address(
            uow=uow,
            user_id=world.shopper2_id,
            recipient="Paul Leroy",
            line1="1 rue du Bourg",
            postal_code="62140",
            city="Hesdin",
            insee_code="62447",
        )
    login(client, world.shopper2_email)
    add(client, world.bread_id)
    response = place_order(client, address=str(far))
    page = page_of(response)
    assert response.status_code == 200
    assert 'id="address-err"' in page
    assert "La commune Hesdin n'est pas desservie par la livraison à domicile" in page
    assert orders_of(db, world.shopper2_id) == []


def ban_door(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    """The BAN service's answer for the new address: its door in Frévent."""
    door = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.2951, 50.2768]},
        "properties": {
            "label": "12 Rue du Moulin 62270 Frévent",
            "score": 0.93,
            "type": "housenumber",
            "citycode": "62361",
        },
    }
    return 200, {"features": [door]}


def _geocoder_at(app: Flask, domain: str) -> None:
    app.config.update(
        GEOCODER="ban", GEOCODER_DOMAIN=domain, GEOCODER_SCHEME="http", GEOCODER_TIMEOUT=2
    )
    app.extensions.pop("cabas_geocoder", None)


def test_a_new_address_is_located_at_its_door_after_checkout(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    with serving(ban_door) as service:
        _geocoder_at(app, service.domain)
        response = place_order(client, **NEW_ADDRESS)
        asked = [query["q"][0] for _, query in service.requests]

    assert response.status_code == 302
    assert asked == ["12 rue du Moulin 62270 Frévent"]
    (order,) = orders_of(db, world.shopper_id)
    assert (order.lat, order.lon, order.address_approximate) == (50.2768, 2.2951, False)


def test_a_checkout_goes_through_when_the_geocoder_is_down(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    with serving(ban_door) as service:
        domain = service.domain
    _geocoder_at(app, domain)  # the service is gone: connections are refused

    response = place_order(client, **NEW_ADDRESS)

    assert response.status_code == 302
    assert "/commande/" in response.headers["Location"]
    (order,) = orders_of(db, world.shopper_id)
    assert order.address_approximate and order.lat is not None  # its commune's centre


def test_a_shop_opening_after_the_slot_is_refused_at_the_slot_keeping_the_basket(
    client: FlaskClient, world: World, db: Database
) -> None:
    """The farm opens at 16:00 on Tuesdays: not for the morning slot; the afternoon one."""
    with db.uow() as uow:
        set_opening_hours(
            uow=uow, merchant_id=world.farmer_id, actor=Actor.system(),
            windows=[(1, dt.time(16), dt.time(19))]
            + [(day, dt.time(8), dt.time(19)) for day in range(2, 6)],
        )  # fmt: skip
    login(client, world.shopper_email)
    fill_two_merchants(client, world)
    # The page chooses the afternoon for her: the morning it chose was refused on sending.
    offered = page_of(client.get("/commande"))
    assert re.search(r'<input checked id="slot-\d" name="slot"[^>]*value="apres-midi"', offered)

    response = place_order(client, slot="matin")

    page = page_of(response)
    assert response.status_code == 200
    message = (
        "« Ferme du Ternois » n'ouvre qu'à 16 h ce jour-là : ses produits ne peuvent pas être "
        "livrés sur le créneau choisi. Choisissez un créneau plus tard ou un autre jour."
    )
    assert message in page
    # In the summary at the top, and with the slots, where the shopper changes it.
    assert f'<p class="error" id="slot-err">{message}</p>' in page
    assert orders_of(db, world.shopper_id) == []
    assert place_order(client, slot="apres-midi").status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert order.delivery_slot == "apres-midi"


def test_a_basket_with_a_weighed_product_shows_an_estimated_total(
    client: FlaskClient, world: World
) -> None:
    """The roast is paid by its real weight: the checkout said « Total à payer » for an
    amount the weighing changes."""
    login(client, world.shopper_email)
    add(client, world.bread_id)
    fixed = page_of(client.get("/commande"))
    assert "Total à payer" in fixed and "Total estimé" not in fixed

    add(client, world.roast_id)
    weighed = page_of(client.get("/commande"))
    assert "Total estimé" in weighed and "Total à payer" not in weighed
    assert "Les produits pesés sont comptés au poids réel, après la pesée" in weighed


def test_the_confirmation_of_an_order_with_a_weighed_product_says_its_total_is_estimated(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.roast_id)
    response = place_order(client)
    page = page_of(client.get(response.headers["Location"]))
    assert "Total estimé" in page
    assert "Les produits pesés sont comptés au poids réel, après la pesée" in page
