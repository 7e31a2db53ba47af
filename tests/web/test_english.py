"""The English catalogue: ``?lang=en`` shows English pages, ``?lang=fr`` switches back."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext, ngettext

import delivery
import reference_app
import shop_core
import shop_core.orders.returns
from delivery.stops import NotReady
from reference_app import domain_messages
from reference_app.domain_messages import (
    BOARD_MESSAGES,
    COURIER_MESSAGES,
    FIXED_MESSAGES,
    HANDOVER_MESSAGES,
    OPERATOR_MESSAGES,
    PLANNING_MESSAGES,
    RETURN_MESSAGES,
    SETTLEMENT_MESSAGES,
    SETUP_MESSAGES,
    shown,
    shown_text,
)
from reference_app.shopfront.display import weight_text
from shop_core.accounts.services import OrdersStillRunning
from shop_core.errors import (
    EmptyBasket,
    MerchantUnavailable,
    OpensAfterSlot,
    OutOfStock,
    ProductUnavailable,
    ValidationError,
)
from shop_core.orders.delivery_codes import MissingDeliveryCode, WrongDeliveryCode
from shop_core.orders.services import PricesChanged

from .conftest import NOW, PASSWORD, World, login
from .shopping import add, place_order


def test_login_page_in_english_then_back_to_french(client: FlaskClient, world: World) -> None:
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Email address" in page
    assert "Password" in page
    assert "Log in" in page
    assert "Forgotten your password?" in page
    assert "Adresse e-mail" not in page
    assert "Mot de passe" not in page
    assert "Se connecter" not in page

    # The choice is remembered by the session...
    page = client.get("/login").get_data(as_text=True)
    assert "Email address" in page

    # ...until the visitor picks French again.
    home = client.get("/?lang=fr").get_data(as_text=True)
    assert "Se connecter" in home
    assert "Log in" not in home
    page = client.get("/login").get_data(as_text=True)
    assert "Adresse e-mail" in page
    assert "Email address" not in page


def test_shop_home_in_english(client: FlaskClient, world: World) -> None:
    home = client.get("/?lang=en").get_data(as_text=True)
    assert "How does it work?" in home
    assert "Add to basket" in home or "Our shopkeepers" in home
    assert "Comment ça marche" not in home


def language_link(page: str) -> str:
    match = re.search(r'<p class="lang-switch">\s*<a [^>]*href="([^"]*)"', page)
    assert match, "no language link in the page"
    return html.unescape(match.group(1))


def test_the_language_link_keeps_the_page_and_its_search(client: FlaskClient, world: World) -> None:
    page = client.get("/recherche?q=pain").get_data(as_text=True)
    assert language_link(page) == "/recherche?q=pain&lang=en"


def test_the_language_link_after_a_form_error_leads_to_a_page_that_opens(
    client: FlaskClient, world: World
) -> None:
    add(client, world.bread_id, 1)
    refused = f"/panier/{world.bread_id}/quantite"
    # The basket's error is shown at the form's address, which only takes a form (POST).
    page = client.post(
        refused, data={"quantity": "5000"}, headers={"Referer": "http://localhost/panier"}
    ).get_data(as_text=True)
    assert language_link(page) == "/panier?lang=en"
    # Sent again from that page (its referrer only takes a form), or with no referrer, or
    # from another site: the home page.
    for referrer in (f"http://localhost{refused}", None, "https://example.org/panier"):
        headers = {"Referer": referrer} if referrer else {}
        page = client.post(refused, data={"quantity": "5000"}, headers=headers).get_data(
            as_text=True
        )
        assert language_link(page) == "/?lang=en", referrer

    # The « Action non permise » page of that address opened by a link (GET) does the same.
    page = client.get(refused).get_data(as_text=True)
    assert language_link(page) == "/?lang=en"

    english = client.get("/panier?lang=en")
    assert english.status_code == 200
    assert "My basket" in english.get_data(as_text=True)


def test_plurals_follow_each_language(app: Flask) -> None:
    # French takes the singular for 0 and 1 (the French catalogue's plural rule); English
    # for 1 only.
    counted = {}
    for lang in ("fr", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            counted[lang] = [ngettext("%(num)s arrêt", "%(num)s arrêts", n) for n in (0, 1, 2)]
    assert counted["fr"] == ["0 arrêt", "1 arrêt", "2 arrêts"]
    assert counted["en"] == ["0 stops", "1 stop", "2 stops"]


def test_a_weight_is_written_with_each_languages_decimal_mark(app: Flask) -> None:
    written = {}
    for lang in ("fr", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            written[lang] = [weight_text(g) for g in (500, 1000, 1100, 1250)]
    assert written["fr"] == ["500\u00a0g", "1\u00a0kg", "1,1\u00a0kg", "1,25\u00a0kg"]
    assert written["en"] == ["500\u00a0g", "1\u00a0kg", "1.1\u00a0kg", "1.25\u00a0kg"]


def test_core_errors_a_shopper_meets_are_in_english(client: FlaskClient, world: World) -> None:
    client.get("/?lang=en")
    response = client.post(f"/produits/{world.cake_id}-tarte-au-sucre", data={"quantity": "5"})
    page = html.unescape(response.get_data(as_text=True))
    assert "Not enough stock of “Tarte au sucre”: 2 available." in page
    assert "Stock insuffisant" not in page

    page = html.unescape(
        client.post(
            "/signup",
            data={
                "full_name": "Jeanne Martin",
                "email": world.shopper_email,
                "password": "un-mot-de-passe",
                "confirm": "un-mot-de-passe",
            },
        ).get_data(as_text=True)
    )
    assert "An account already exists with this email address." in page
    assert "Un compte existe déjà" not in page


def test_core_errors_stay_word_for_word_in_french(app: Flask) -> None:
    errors = [
        OutOfStock(product="Pain", available=0),
        OutOfStock(product="Pain", available=1),
        OutOfStock(product="Pain", available=4),
        ProductUnavailable(product="Pain"),
        MerchantUnavailable(merchant="Fournil"),
        EmptyBasket(),
        PricesChanged(),
        ValidationError("Indiquez la commune.", field="city"),
        OrdersStillRunning(references="CAB-1, CAB-2"),
        OpensAfterSlot(merchant="Ferme", opens="16:00"),
    ]
    for lang in ("fr", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            shown_ = [shown(error) for error in errors]
        if lang == "fr":
            assert shown_ == [str(error) for error in errors]
        else:
            assert shown_[:3] == [
                "Not enough stock of “Pain”: none left.",
                "Not enough stock of “Pain”: only 1 available.",
                "Not enough stock of “Pain”: 4 available.",
            ]
            assert shown_[-1] == (
                "“Ferme” only opens at 16:00 that day: its products cannot be delivered in the "
                "chosen slot. Choose a later slot or another day."
            )
            assert not any("Stock" in text or "Indiquez" in text for text in shown_)


def test_each_fixed_message_is_still_the_cores_wording() -> None:
    # A message the core rewords would silently stay French in English pages.
    core = "\n".join(path.read_text() for path in Path(shop_core.__file__).parent.rglob("*.py"))
    flat = re.sub(r'"\s+"', "", core)  # strings split over lines, joined
    for message in FIXED_MESSAGES + HANDOVER_MESSAGES + SETTLEMENT_MESSAGES + OPERATOR_MESSAGES:
        assert f'"{message}"' in flat, message


def test_each_planning_message_is_still_the_delivery_wording(app: Flask) -> None:
    sources = "\n".join(
        path.read_text() for path in Path(delivery.__file__).parent.glob("plan*.py")
    )
    flat = re.sub(r'"\s+"', "", sources)  # strings split over lines, joined
    for message in PLANNING_MESSAGES:
        assert f'"{message}"' in flat, message
    with app.test_request_context("/?lang=en"):
        assert shown_text(PLANNING_MESSAGES[0]) == "The planning was interrupted: start it again."


def test_each_courier_message_is_still_the_delivery_wording() -> None:
    source = (Path(delivery.__file__).parent / "stops.py").read_text()
    flat = re.sub(r'"\s+"', "", source)  # strings split over lines, joined
    for message in COURIER_MESSAGES:
        assert f'"{message}"' in flat, message


def test_each_return_message_is_still_the_core_wording(app: Flask) -> None:
    source = Path(shop_core.orders.returns.__file__).read_text()
    for message in RETURN_MESSAGES:
        assert f'"{message}"' in source, message
    with app.test_request_context("/?lang=en"):
        assert gettext(RETURN_MESSAGES[1]) == "These parcels are already back at the shop."


def test_each_board_and_setup_message_is_still_the_delivery_wording(app: Flask) -> None:
    sources = "\n".join(path.read_text() for path in Path(delivery.__file__).parent.glob("*.py"))
    flat = re.sub(r'"\s+"', "", sources)  # strings split over lines, joined
    for message in BOARD_MESSAGES + SETUP_MESSAGES:
        assert f'"{message}"' in flat, message
    with app.test_request_context("/?lang=en"):
        assert shown_text(BOARD_MESSAGES[0]) == "There is nothing to hand in for this round."


def test_every_message_of_the_english_catalogue_is_translated() -> None:
    # `make translations` adds new French messages with an empty English text, which
    # would show in French on English pages.
    po = Path(reference_app.__file__).parent / "translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as file:
        catalogue = read_po(file)
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert untranslated == []


def test_what_stops_a_courier_is_said_in_english(app: Flask) -> None:
    one = NotReady(detail="…", at="collect", references="TER-1", shop="Fournil", count=1)
    two = NotReady(detail="…", at="collect", references="TER-1, TER-2", shop="Fournil", count=2)
    before = NotReady(detail="…", at="deliver", references="TER-1", shop="Fournil", count=1)
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        missing, wrong = MissingDeliveryCode(), WrongDeliveryCode()
        assert [shown(e) for e in (one, two, before, wrong, missing)] == [
            "Order TER-1 is not ready yet at “Fournil”: wait until it is marked ready, or leave "
            "without it.",
            "2 orders are not ready yet at “Fournil” (TER-1, TER-2): wait until they are marked "
            "ready, or leave without them.",
            "Order TER-1 has not been collected at “Fournil”: record the collection first.",
            "Wrong code: ask the customer for the 4-digit code in their order confirmation.",
            "Enter the 4-digit code the customer received with their order confirmation.",
        ]


def test_what_refuses_the_operators_changes_is_said_in_english(app: Flask) -> None:
    # The board's refusals built from values (the pages' tests show the others).
    refusals = [
        ValidationError("…", code="parcels_at_depot", depot="Bureau de poste"),
        ValidationError("…", code="parcels_at_depot", depot=None),
        ValidationError(
            "…",
            code="planned_from_depot",
            runs=[
                {"round": "Matin", "date": "2026-11-25"},
                {"round": "Soir", "date": "2026-11-26"},
            ],
        ),
    ]
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert [shown(e) for e in refusals] == [
            "The parcels of this order are waiting at the depot “Bureau de poste”: only a round "
            "leaving from there, and not gone yet, can take them.",
            "The parcels of this order are waiting at a depot: only a round leaving from there, "
            "and not gone yet, can take them.",
            "This order is planned on the round “Matin” on 25 November, “Soir” on 26 November, "
            "which takes the parcels where they are: take it off that round (plan the day "
            "again) before moving them.",
        ]
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert [shown(e) for e in refusals] == ["…"] * 3


def test_the_deletion_refusal_is_in_english(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, world.shopper_email)
    add(client, world.bread_id, 1)
    assert place_order(client).status_code == 302
    client.get("/compte?lang=en")
    response = client.post("/compte/supprimer", data={"password": PASSWORD, "understood": "y"})
    page = html.unescape(response.get_data(as_text=True))
    assert "An order is still on its way (" in page
    assert "encore en cours" not in page


def test_the_deletion_refusal_for_several_orders_is_looked_up_in_the_catalogue(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []

    def fake_gettext(message: str, **values: object) -> str:
        looked_up.append(message)
        return message % values

    monkeypatch.setattr(domain_messages, "gettext", fake_gettext)
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        shown(OrdersStillRunning(references="CAB-1, CAB-2", count=2))
    assert looked_up == [
        "Des commandes sont encore en cours (%(references)s) : attendez de les avoir reçues, "
        "ou annulez-les, avant de supprimer votre compte."
    ]


def test_delivery_slots_read_as_hours_in_english(
    app: Flask, client: FlaskClient, world: World
) -> None:
    # The territory names its slots in French; an English page shows their hours instead.
    app.config["FIXED_NOW"] = NOW
    login(client, world.shopper_email)
    add(client, world.bread_id, 1)
    french = html.unescape(client.get("/commande").get_data(as_text=True))
    assert "Matin (9\u00a0h\u00a0– 12\u00a0h)" in french  # on one line on a phone
    english = html.unescape(client.get("/commande?lang=en").get_data(as_text=True))
    assert "9:00\u202fAM\u00a0– 12:00\u202fPM" in english
    assert "2:00\u202fPM\u00a0– 6:00\u202fPM" in english
    assert "Matin" not in english and "Après-midi" not in english
    assert ">Tomorrow, Tuesday 24 November</label>" in english
    assert ">Demain, mardi 24 novembre</label>" in french
    # The cut-off and the first day, as English writes them.
    assert re.search(r"The earliest possible day is [A-Z][a-z]+day \d+ [A-Z][a-z]+\.", english)
    assert re.search(r"For tomorrow, order before \d{1,2}:\d\d\u202f[AP]M\.", english)
    assert re.search(r"Le premier jour possible est le [a-z]+ \d+ [a-zéû]+\.", french)
    assert re.search(r"Pour demain, commandez avant \d{1,2}\xa0h", french)
    # After the cut-off the first day is not tomorrow, and the cut-off is why.
    app.config["FIXED_NOW"] = NOW.replace(hour=19)  # 20:00 in Saint-Pol, after 18:00
    late = html.unescape(client.get("/commande?lang=fr").get_data(as_text=True))
    assert "Le premier jour possible est le mercredi 25 novembre." in late
    assert "Pour demain, il fallait commander avant 18\u00a0h." in late
    assert "Pour demain, commandez" not in late


def test_the_order_page_gives_the_slot_as_the_checkout_does(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, world.shopper_email)
    add(client, world.bread_id, 1)
    response = place_order(client)
    assert response.status_code == 302
    url = response.headers["Location"]  # the confirmation page, which shows the order
    french = html.unescape(client.get(url).get_data(as_text=True))
    english = html.unescape(client.get(f"{url}?lang=en").get_data(as_text=True))
    # No-break spaces in each hour and before the dash: a phone never cuts « (9 / h – 12 h) ».
    assert "Mardi 24 novembre, matin (9\u00a0h\u00a0– 12\u00a0h)" in french
    # Not lowered to "9:00 am" as the French slot name is lowered mid-sentence.
    assert "Tuesday 24 November, 9:00\u202fAM\u00a0– 12:00\u202fPM" in english


def test_the_trade_and_unit_lists_are_in_english(client: FlaskClient, world: World) -> None:
    # Their labels are the core's French ones, translated when the form is drawn.
    sell = client.get("/vendre?lang=en").get_data(as_text=True)
    assert ">Bakery and patisserie</option>" in sell and ">Grocery</option>" in sell
    assert "Boulangerie-pâtisserie" not in sell and "Épicerie</option>" not in sell
    login(client, world.baker_email)
    product = client.get("/boutique/produits/nouveau").get_data(as_text=True)
    assert "Selling unit" in product
    assert ">piece</option>" in product and ">bunch</option>" in product
    assert "pièce</option>" not in product
    french = client.get("/boutique/produits/nouveau?lang=fr").get_data(as_text=True)
    assert "Unité de vente" in french and ">pièce</option>" in french
