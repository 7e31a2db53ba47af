"""A shop's exceptional closures: the merchant records them in « Ma boutique », the shop's
page announces them, and checkout no longer offers those days."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app import domain_messages
from shop_core.database import Database
from shop_core.errors import ClosedThen, PointClosedThen
from shop_core.merchants.model import Closure, Merchant

from .conftest import NOW, World, login
from .shopping import add, orders_of, place_order

TUESDAY = dt.date(2026, 11, 24)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
FRIDAY = TUESDAY + dt.timedelta(days=3)


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW  # Monday 23 November 2026


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def closures_of(db: Database, merchant_id: int) -> list[tuple[dt.date, dt.date, str]]:
    with db.uow() as uow:
        merchant = uow.session.get_one(Merchant, merchant_id)
        return [(c.starts, c.ends, c.note) for c in merchant.closures]


def test_the_merchant_records_a_closure_and_the_shop_page_and_checkout_follow(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    assert "Aucune fermeture prévue" in text(client.get("/boutique/fermetures"))

    saved = client.post(
        "/boutique/fermetures",
        data={"starts": TUESDAY.isoformat(), "ends": WEDNESDAY.isoformat(), "note": "Congés"},
        follow_redirects=True,
    )

    page = text(saved)
    assert 'aria-current="page">Ma boutique' in page.replace("\n", "")
    assert "Fermeture enregistrée du mardi 24 novembre au mercredi 25 novembre" in page
    assert "Du mardi 24 novembre au mercredi 25 novembre 2026" in page and "Congés" in page
    assert closures_of(db, world.baker_id) == [(TUESDAY, WEDNESDAY, "Congés")]
    settings = text(client.get("/boutique/ma-boutique"))
    assert "Fermé du mardi 24 novembre au mercredi 25 novembre (Congés)" in settings
    assert 'href="/boutique/fermetures"' in settings
    client.post("/logout")

    shop = text(client.get(f"/boutiques/{_slug(db, world.baker_id)}"))
    assert "Fermé du mardi 24 novembre au mercredi 25 novembre (Congés)" in shop
    login(client, world.shopper_email)
    add(client, world.bread_id)
    checkout = client.get("/commande").get_data(as_text=True)
    offered = re.findall(r'name="date" required type="radio" value="([\d-]+)"', checkout)
    assert offered and TUESDAY.isoformat() not in offered
    assert WEDNESDAY.isoformat() not in offered
    # Sent anyway (a page opened before the closure): refused, nothing ordered.
    refused = place_order(client, date=TUESDAY.isoformat())
    assert "Choisissez un des jours proposés." in text(refused)
    assert orders_of(db, world.shopper_id) == []


def test_orders_already_placed_for_those_days_are_named(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    client.post("/logout")
    login(client, world.baker_email)

    saved = text(
        client.post(
            "/boutique/fermetures",
            data={"starts": TUESDAY.isoformat(), "ends": TUESDAY.isoformat()},
            follow_redirects=True,
        )
    )

    assert "1 commande est déjà prévue pendant cette fermeture" in saved
    assert "Le mardi 24 novembre 2026" in saved
    assert f"{order.reference}-1" in saved


def test_a_one_day_closure_is_confirmed_as_that_day(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    page = text(
        client.post(
            "/boutique/fermetures",
            data={"starts": FRIDAY.isoformat(), "ends": FRIDAY.isoformat()},
            follow_redirects=True,
        )
    )
    assert "Fermeture enregistrée le vendredi 27 novembre : ce jour-là, vos produits" in page
    assert "au vendredi 27 novembre" not in page  # not « du vendredi 27 … au vendredi 27 … »
    assert closures_of(db, world.baker_id) == [(FRIDAY, FRIDAY, "")]


def test_each_remove_button_names_its_closure_for_screen_readers(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    for starts, ends in ((TUESDAY, WEDNESDAY), (FRIDAY, FRIDAY)):
        client.post(
            "/boutique/fermetures", data={"starts": starts.isoformat(), "ends": ends.isoformat()}
        )
    page = text(client.get("/boutique/fermetures"))
    names = [
        " ".join(re.sub(r"<[^>]+>", " ", button).split())
        for button in re.findall(r'<button type="submit" class="button">(.*?)</button>', page)
    ]
    assert names == [
        "Supprimer cette fermeture (Du mardi 24 novembre au mercredi 25 novembre 2026)",
        "Supprimer cette fermeture (Le vendredi 27 novembre 2026)",
    ]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"starts": "2026-11-27", "ends": "2026-11-25"}, "Le dernier jour de fermeture ne"),
        ({"starts": "2026-11-20", "ends": "2026-11-25"}, "Choisissez un premier jour à partir"),
        ({"starts": "", "ends": "2026-11-25"}, "Indiquez le premier jour de fermeture."),
        ({"starts": "demain", "ends": "2026-11-25"}, "Date non reconnue : indiquez un jour"),
        ({"starts": "31/02/2027", "ends": "2026-11-25"}, "Date non reconnue : indiquez un jour"),
    ],
)  # fmt: skip
def test_a_closure_that_makes_no_sense_is_refused_and_what_was_typed_is_kept(
    client: FlaskClient, db: Database, world: World, form: dict[str, str], message: str
) -> None:
    login(client, world.baker_email)
    refused = client.post("/boutique/fermetures", data={**form, "note": "Inventaire"})
    assert refused.status_code == 422
    page = text(refused)
    assert message in page
    assert 'value="Inventaire"' in page
    assert closures_of(db, world.baker_id) == []


def test_a_day_typed_the_french_way_is_understood(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    saved = client.post("/boutique/fermetures", data={"starts": "27/11/2026", "ends": "28/11/2026"})
    assert saved.status_code == 302
    assert closures_of(db, world.baker_id) == [(FRIDAY, FRIDAY + dt.timedelta(days=1), "")]


def test_a_closure_is_removed_by_its_shop_and_by_no_other(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    client.post(
        "/boutique/fermetures", data={"starts": FRIDAY.isoformat(), "ends": FRIDAY.isoformat()}
    )
    with db.uow() as uow:
        closure_id = uow.session.scalars(select(Closure.id)).one()
    client.post("/logout")

    login(client, world.farmer_email)
    assert client.post(f"/boutique/fermetures/{closure_id}/supprimer").status_code == 404
    assert len(closures_of(db, world.baker_id)) == 1
    client.post("/logout")

    login(client, world.baker_email)
    removed = text(
        client.post(f"/boutique/fermetures/{closure_id}/supprimer", follow_redirects=True)
    )
    assert "Fermeture supprimée" in removed
    assert closures_of(db, world.baker_id) == []


def test_only_a_merchant_reaches_the_closures(client: FlaskClient, world: World) -> None:
    assert client.get("/boutique/fermetures").status_code == 302  # to the login page
    for email in (world.shopper_email, world.courier_email):
        login(client, email)
        assert client.get("/boutique/fermetures").status_code == 403
        assert client.post("/boutique/fermetures", data={}).status_code == 403
        client.post("/logout")


def test_the_closure_refusal_reads_in_english(app: Flask) -> None:
    error = ClosedThen(
        merchant="Ferme Dufour", starts=dt.date(2026, 12, 21), ends=dt.date(2026, 12, 27)
    )
    with app.test_request_context("/?lang=en"):
        assert domain_messages.shown(error) == (
            "“Ferme Dufour” is closed from 21 December to 27 December: choose another day."
        )
    with app.test_request_context("/?lang=fr"):  # the page writes the days out, not 21/12
        assert domain_messages.shown(error) == (
            "« Ferme Dufour » est fermé du 21 décembre au 27 décembre : choisissez un autre jour."
        )
    one_day = ClosedThen(
        merchant="Ferme Dufour", starts=dt.date(2026, 12, 24), ends=dt.date(2026, 12, 24)
    )
    assert str(one_day) == "« Ferme Dufour » est fermé le 24/12/2026 : choisissez un autre jour."
    with app.test_request_context("/?lang=en"):
        assert domain_messages.shown(one_day) == (
            "“Ferme Dufour” is closed on 24 December: choose another day."
        )


def _slug(db: Database, merchant_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Merchant, merchant_id).slug


def test_a_closure_across_the_new_year_gives_the_year_of_each_end(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)

    saved = client.post(
        "/boutique/fermetures",
        data={"starts": "2027-12-20", "ends": "2028-03-01", "note": ""},
        follow_redirects=True,
    )

    page = text(saved)
    assert "Fermeture enregistrée du lundi 20 décembre 2027 au mercredi 1er mars 2028" in page
    assert "Du lundi 20 décembre 2027 au mercredi 1er mars 2028" in page
    assert closures_of(db, world.baker_id) == [(dt.date(2027, 12, 20), dt.date(2028, 3, 1), "")]
    # « Ma boutique » and the shop page too.
    across = "Fermé du lundi 20 décembre 2027 au mercredi 1 mars 2028"
    assert across in text(client.get("/boutique/ma-boutique"))
    assert across in text(client.get(f"/boutiques/{_slug(db, world.baker_id)}"))


def test_a_closed_pickup_point_refusal_reads_in_both_languages(app: Flask) -> None:
    error = PointClosedThen(
        point="Mairie de Saint-Pol", day=dt.date(2026, 12, 12), opens=dt.date(2026, 12, 14)
    )
    assert str(error) == (
        "Le point de retrait « Mairie de Saint-Pol » est fermé le 12/12/2026 : il ouvre le "
        "14/12/2026. Choisissez un autre jour ou un autre point de retrait."
    )
    with app.test_request_context("/?lang=en"):
        assert domain_messages.shown(error) == (
            "The pickup point “Mairie de Saint-Pol” is closed on Saturday 12 December: it "
            "opens on Monday 14 December. Choose another day or another pickup point."
        )
    with app.test_request_context("/?lang=fr"):  # not « le 12/12/2026 » on the page
        assert domain_messages.shown(error) == (
            "Le point de retrait « Mairie de Saint-Pol » est fermé le samedi 12 décembre : il "
            "ouvre le lundi 14 décembre. Choisissez un autre jour ou un autre point de retrait."
        )
