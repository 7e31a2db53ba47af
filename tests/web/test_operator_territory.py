"""The operator's territory settings, couriers and indicators."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app import mail
from reference_app.operator.dashboard import csv_euros
from shop_core.accounts.model import Role, User
from shop_core.database import Database
from shop_core.orders.model import MerchantOrder, Order
from shop_core.persistence.base import utcnow
from shop_core.territories.model import Commune, PickupPoint, Territory
from shop_core.territories.services import add_commune, add_pickup_point
from tests.unit.delivery.fake_http import serving

from .backoffice import place_order, png_bytes
from .conftest import World, login
from .rounds_setup import add_fleet, configure


def _territory(db: Database, world: World) -> Territory:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, world.territory_id)
        _ = (territory.communes, territory.pickup_points)
        return territory


def test_communes_are_found_by_insee_code_or_name_added_and_removed(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    page = client.get("/admin/communes?q=62447").get_data(as_text=True)  # Hesdin
    assert "Hesdin" in page
    by_name = client.get("/admin/communes?q=hesd").get_data(as_text=True)
    assert "Hesdin" in by_name
    client.post(
        "/admin/communes/ajouter",
        data={"insee_code": "62447", "postal_code": "62140", "name": "Hesdin"},
    )
    with db.uow() as uow:
        hesdin = uow.session.scalar(
            select(Commune).where(
                Commune.territory_id == world.territory_id, Commune.insee_code == "62447"
            )
        )
        assert hesdin is not None and hesdin.lat and hesdin.population > 0
    assert "déjà desservie" in client.get("/admin/communes?q=62447").get_data(as_text=True)
    client.post("/admin/communes/62447/retirer")
    assert not any(c.insee_code == "62447" for c in _territory(db, world).communes)


def test_a_commune_can_be_added_by_postal_code_and_name(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    client.post("/admin/communes/ajouter", data={"postal_code": "62140", "name": "hesdin"})
    assert any(c.name == "Hesdin" for c in _territory(db, world).communes)
    unknown = client.post(
        "/admin/communes/ajouter",
        data={"postal_code": "99999", "name": "Nulle-Part"},
        follow_redirects=True,
    )
    assert "Commune introuvable" in unknown.get_data(as_text=True)


# A pickup point as the operator types it, coordinates left empty.
FREVENT_TOWN_HALL = {
    "name": "Mairie de Frévent",
    "kind": "mairie",
    "address": "Place du Château",
    "postal_code": "62270",
    "city": "Frévent",
    "lat": "",
    "lon": "",
}


def test_the_error_summary_writes_the_colon_as_each_language_does(
    client: FlaskClient, world: World
) -> None:
    """French puts a space before the colon, English none: the summary above a form read
    « Latitude : … » in English too."""
    login(client, world.operator_email)
    form = {**FREVENT_TOWN_HALL, "lat": "cinquante", "lon": "2,29"}

    summaries = []
    for lang in ("fr", "en"):
        page = client.post(f"/admin/points-retrait/nouveau?lang={lang}", data=form)
        assert page.status_code == 422
        (summary,) = re.findall(r'<li><a href="#lat">([^<]*)</a></li>', page.get_data(as_text=True))
        summaries.append(html.unescape(summary))
    french, english = summaries
    assert re.match(r"\S.* : \S", french)
    assert re.match(r"\S.*\S: \S", english) and " : " not in english


def test_pickup_point_takes_the_commune_centre_when_no_coordinates_are_given(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {**FREVENT_TOWN_HALL, "opening_notes": "Du lundi au vendredi, 9 h – 12 h"}
    assert client.post("/admin/points-retrait/nouveau", data=form).status_code == 302
    with db.uow() as uow:
        point = uow.session.scalar(
            select(PickupPoint).where(PickupPoint.name == "Mairie de Frévent")
        )
        assert point is not None and point.insee_code == "62361"
        assert point.lat is not None and abs(point.lat - 50.27) < 0.1
    bad = client.post(f"/admin/points-retrait/{point.id}", data={**form, "lat": "cinquante"})
    assert bad.status_code == 422
    assert "Nombre décimal attendu" in bad.get_data(as_text=True)
    client.post(f"/admin/points-retrait/{point.id}", data={**form, "lat": "50,28", "lon": "2,29"})
    client.post(f"/admin/points-retrait/{point.id}/etat", data={"active": "0"})
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, point.id)
        assert (point.lat, point.lon, point.active) == (50.28, 2.29, False)


def _ban_finds_the_town_hall(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    # BAN's answer for « Place du Château 62270 Frévent »; anything else is unknown.
    if "Château" not in query.get("q", [""])[0]:
        return 200, {"features": []}
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.2931, 50.2762]},
        "properties": {
            "label": "Place du Château 62270 Frévent",
            "score": 0.93,
            "type": "street",
            "citycode": "62361",
        },
    }
    return 200, {"features": [feature]}


def test_a_pickup_point_without_coordinates_is_placed_at_its_address(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """The configured geocoder places the point at its door; an address it does not know
    leaves it at the commune's centre, and the operator is told so. An edit that changes
    the address but keeps the coordinates shown with the old one follows the new address."""
    login(client, world.operator_email)
    with serving(_ban_finds_the_town_hall) as service:
        app.config.update(GEOCODER="ban", GEOCODER_DOMAIN=service.domain, GEOCODER_SCHEME="http")
        app.extensions.pop("cabas_geocoder", None)
        created = client.post(
            "/admin/points-retrait/nouveau", data=FREVENT_TOWN_HALL, follow_redirects=True
        )
        assert "introuvable" not in created.get_data(as_text=True)
        with db.uow() as uow:
            point = uow.session.scalar(
                select(PickupPoint).where(PickupPoint.name == "Mairie de Frévent")
            )
            assert point is not None and (point.lat, point.lon) == (50.2762, 2.2931)

        moved = {**FREVENT_TOWN_HALL, "address": "Rue Inconnue", "lat": "50,2762", "lon": "2,2931"}
        edited = client.post(f"/admin/points-retrait/{point.id}", data=moved, follow_redirects=True)
        assert len(service.requests) == 2
    text = html.unescape(edited.get_data(as_text=True))
    assert "Adresse introuvable : le point est placé au centre de Frévent." in text
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, point.id)
        assert point.address == "Rue Inconnue"
        assert abs(point.lat - 50.2762) > 0.001  # the commune's centre, not the old door
        assert abs(point.lat - 50.27) < 0.1


def test_a_pickup_point_placed_far_from_its_commune_is_refused(
    client: FlaskClient, db: Database, world: World
) -> None:
    """A Frévent town hall typed with Paris's coordinates was saved, and offered to couriers."""
    login(client, world.operator_email)
    for lang, told in (
        ("fr", "Ces coordonnées sont à 158 km de Frévent : vérifiez la latitude et la longitude"),
        ("en", "These coordinates are 158 km from Frévent: check the latitude and longitude"),
    ):
        form = {**FREVENT_TOWN_HALL, "lat": "48,85", "lon": "2,35"}
        refused = client.post(f"/admin/points-retrait/nouveau?lang={lang}", data=form)
        assert refused.status_code == 422
        assert told in html.unescape(refused.get_data(as_text=True))
    with db.uow() as uow:
        assert (
            uow.session.scalar(
                select(PickupPoint.id).where(PickupPoint.name == "Mairie de Frévent")
            )
            is None
        )
    near = {**FREVENT_TOWN_HALL, "lat": "50,2762", "lon": "2,2931"}
    assert client.post("/admin/points-retrait/nouveau", data=near).status_code == 302


def test_a_pickup_point_s_half_typed_or_impossible_position_is_said(
    client: FlaskClient, db: Database, world: World
) -> None:
    """A latitude without its longitude was dropped for the commune's centre without a
    word; a latitude of 95 was told « Nombre décimal attendu »."""
    login(client, world.operator_email)
    for typed, told in (
        ({"lat": "50,27", "lon": ""}, "Indiquez la latitude et la longitude, ou aucune des deux."),
        ({"lat": "95", "lon": "2,29"}, "La latitude va de -90 à 90."),
        ({"lat": "50,27", "lon": "200"}, "La longitude va de -180 à 180."),
    ):
        refused = client.post("/admin/points-retrait/nouveau", data={**FREVENT_TOWN_HALL, **typed})
        assert refused.status_code == 422, typed
        assert told in html.unescape(refused.get_data(as_text=True)), typed
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(PickupPoint.id).where(PickupPoint.city == "Frévent")) is None
        )


def test_a_pickup_point_s_hours_are_typed_day_by_day_and_shown_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    url = f"/admin/points-retrait/{world.pickup_point_id}"
    form = {
        "name": "Le Tiers-Lieu du Ternois",
        "kind": "tiers_lieu",
        "address": "2 place de l'Hôtel de Ville",
        "postal_code": "62130",
        "city": "Saint-Pol-sur-Ternoise",
        "lat": "",
        "lon": "",
        "opening_notes": "",
        "hours_0": "8:30-12:00, 13:30-17:00",
        "hours_2": "9 h à 12 h",
        "hours_4": " 14h–18h30 ",
    }
    assert client.post(url, data=form).status_code == 302
    with db.uow() as uow:
        point = uow.session.get_one(PickupPoint, world.pickup_point_id)
        assert [(h.weekday, h.opens, h.closes) for h in point.opening_hours] == [
            (0, dt.time(8, 30), dt.time(12)),
            (0, dt.time(13, 30), dt.time(17)),
            (2, dt.time(9), dt.time(12)),
            (4, dt.time(14), dt.time(18, 30)),
        ]
    page = client.get(url).get_data(as_text=True)
    assert '<label for="hours_0">Lundi</label>' in page
    assert 'value="08:30-12:00, 13:30-17:00"' in page and 'value="14:00-18:30"' in page

    refused = client.post(
        url, data={**form, "name": "Autre nom", "hours_1": "9h-midi", "hours_3": "14h-12h"}
    )
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "«\u00a09h-midi\u00a0» n'est pas une plage horaire" in page
    assert "L'heure de fermeture doit suivre l'ouverture." in page
    with db.uow() as uow:  # nothing of the refused form is kept
        point = uow.session.get_one(PickupPoint, world.pickup_point_id)
        assert point.name == "Le Tiers-Lieu du Ternois" and len(point.opening_hours) == 4


def test_unknown_commune_without_coordinates_is_refused(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/points-retrait/nouveau",
        data={
            "name": "Local",
            "kind": "autre",
            "address": "1 rue",
            "postal_code": "99999",
            "city": "Nulle-Part",
            "lat": "",
            "lon": "",
            "opening_notes": "",
        },
    )
    assert response.status_code == 422
    assert "indiquez les coordonnées" in response.get_data(as_text=True)


def test_another_territorys_pickup_point_is_not_found(
    client: FlaskClient, db: Database, world: World
) -> None:
    with db.uow() as uow:
        add_commune(
            uow=uow, territory_id=world.other_territory_id, insee_code="62588",
            postal_code="62170", name="Montreuil", lat=50.46536, lon=1.77699,
        )  # fmt: skip
        foreign = add_pickup_point(
            uow=uow,
            territory_id=world.other_territory_id,
            name="Mairie d'ailleurs",
            address="1 place",
            postal_code="62170",
            city="Montreuil",
        )
    login(client, world.operator_email)
    assert client.get(f"/admin/points-retrait/{foreign}").status_code == 404
    assert (
        client.post(f"/admin/points-retrait/{foreign}/etat", data={"active": "0"}).status_code
        == 404
    )
    with db.uow() as uow:
        assert uow.session.get_one(PickupPoint, foreign).active is True


def test_courier_with_a_temporary_password_shown_once_can_log_in_until_deactivated(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/livreurs",
        data={
            "full_name": "Julie Tournée",
            "email": "julie@example.fr",
            "phone": "",
            "mode": "temporary",
        },
    )
    page = response.get_data(as_text=True)
    match = re.search(r"<code>([a-z0-9-]{19})</code>", page)
    assert match, page[-3000:]
    temporary = match.group(1)
    assert temporary not in client.get("/admin/livreurs").get_data(as_text=True)
    with db.uow() as uow:
        julie = uow.session.scalar(select(User).where(User.email == "julie@example.fr"))
        assert julie is not None and julie.role is Role.COURIER
    client.post("/logout")
    assert (
        client.post("/login", data={"email": "julie@example.fr", "password": temporary}).status_code
        == 302
    )
    client.post("/logout")

    login(client, world.operator_email)
    client.post(f"/admin/livreurs/{julie.id}/etat", data={"active": "0"})
    client.post("/logout")
    refused = client.post("/login", data={"email": "julie@example.fr", "password": temporary})
    assert refused.status_code == 200


def test_courier_invited_by_email_gets_a_link(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    page = client.post(
        "/admin/livreurs",
        data={"full_name": "Marc Vélo", "email": "marc@example.fr", "phone": "", "mode": "email"},
    ).get_data(as_text=True)
    assert "<code>" not in page
    with app.app_context():
        (invite,) = [m for m in mail.outbox() if m.to == "marc@example.fr"]
    assert "/password/reset/" in invite.body


def test_a_taken_email_for_a_courier_is_a_field_error(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    page = client.post(
        "/admin/livreurs",
        data={
            "full_name": "Doublon",
            "email": world.shopper_email,
            "phone": "",
            "mode": "temporary",
        },
    ).get_data(as_text=True)
    assert "Un compte existe déjà avec cette adresse e-mail." in page
    assert 'value="Doublon"' in page


def test_another_territorys_courier_is_not_found(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    assert (
        client.post(
            f"/admin/livreurs/{world.other_operator_id}/etat", data={"active": "0"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/admin/livreurs/{world.shopper_id}/etat", data={"active": "0"}).status_code
        == 404
    )


def test_commission_percent_is_stored_in_basis_points(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    assert 'value="5"' in client.get("/admin/commission").get_data(as_text=True)
    client.post("/admin/commission", data={"percent": "4,5"})
    assert _territory(db, world).commission_rate_bp == 450
    bad = client.post("/admin/commission", data={"percent": "4,555"})
    assert "Écrivez un pourcentage" in bad.get_data(as_text=True)
    too_high = client.post("/admin/commission", data={"percent": "80"})
    assert "entre 0 et 50 %" in too_high.get_data(as_text=True)
    assert _territory(db, world).commission_rate_bp == 450


@pytest.mark.parametrize(("typed", "stored", "shown"), [("10", 1000, "10"), ("0", 0, "0")])
def test_a_whole_commission_reads_and_saves_back_as_typed(
    client: FlaskClient, db: Database, world: World, typed: str, stored: int, shown: str
) -> None:
    # « 10 » once read « 1 » on every page, and the form saved unchanged stored 1 %.
    login(client, world.operator_email)
    saved = client.post("/admin/commission", data={"percent": typed}, follow_redirects=True)
    assert f"Commission enregistrée : {shown} %." in saved.get_data(as_text=True)
    assert f"{shown} % du montant TTC" in saved.get_data(as_text=True)
    assert f'value="{shown}"' in client.get("/admin/commission").get_data(as_text=True)
    client.post("/admin/commission", data={"percent": shown})  # saved again unchanged
    assert _territory(db, world).commission_rate_bp == stored


def test_branding_refuses_unreadable_colours_and_saves_a_reencoded_logo(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {
        "name": "Ternois",
        "tagline": "Le marché du Ternois",
        "primary_color": "#f5d76e",
        "accent_color": "#f2a541",
    }
    pale = client.post("/admin/apparence", data=form)
    page = pale.get_data(as_text=True)
    assert pale.status_code == 422
    assert "Contraste insuffisant avec le texte blanc" in page
    assert 'value="Le marché du Ternois"' in page
    assert _territory(db, world).primary_color != "#f5d76e"
    ok = client.post(
        "/admin/apparence",
        data={
            **form,
            "primary_color": "#1d4e89",
            "logo": (io.BytesIO(png_bytes(900, 300)), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    territory = _territory(db, world)
    assert territory.primary_color == "#1d4e89" and territory.tagline == "Le marché du Ternois"
    assert territory.logo_key and territory.logo_key.endswith(".webp")
    assert client.get(f"/media/{territory.logo_key}").mimetype == "image/webp"
    css = client.get("/theme.css").get_data(as_text=True)
    assert "#1d4e89" in css


def test_a_fake_logo_is_refused(client: FlaskClient, db: Database, world: World) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/apparence",
        data={
            "name": "Ternois",
            "tagline": "",
            "primary_color": "#1d4e89",
            "accent_color": "#f2a541",
            "logo": (io.BytesIO(b"<svg onload=alert(1)>"), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "n&#39;est pas une image lisible" in response.get_data(as_text=True)
    assert _territory(db, world).logo_key is None


def test_dashboard_shows_merchant_counts_and_this_weeks_sales_and_exports_csv(
    client: FlaskClient, db: Database, world: World
) -> None:
    order_id = place_order(db, world, {world.bread_id: 2, world.apples_id: 1})
    with db.uow() as uow:  # the dashboard counts weeks up to today, whatever NOW was
        uow.session.get_one(Order, order_id).placed_at = utcnow()
        for mo in uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ):
            mo.created_at = utcnow()
        uow.commit()
    login(client, world.operator_email)
    page = client.get("/admin").get_data(as_text=True)
    assert '<span class="tile-number">2</span> actives' in page
    assert '<span class="tile-number">1</span> commande<' in page
    assert "9,90" in page  # 2 × 3,50 + 2,90
    exported = client.get("/admin/indicateurs.csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "annee;semaine;debut;commandes;ventes_ttc;commission;livraisons"
    assert len(lines) == 27
    assert lines[-1].split(";")[3:5] == ["1", "9,90"]


def test_euros_in_the_csv_exports_keep_their_sign() -> None:
    assert [csv_euros(c) for c in (1250, 5, 0, -150, -5)] == [
        "12,50", "0,05", "0,00", "-1,50", "-0,05",
    ]  # fmt: skip


def test_dashboard_counts_the_weeks_up_to_the_apps_today_not_the_system_clocks(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    """With the app's clock pinned (``FIXED_NOW``) months away from the system's, this week
    is the pinned day's, on the page and in the export, with that day's sale in it."""
    pinned = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # a Wednesday, ISO week 24
    app.config["FIXED_NOW"] = pinned
    order_id = place_order(db, world, {world.bread_id: 3})
    with db.uow() as uow:
        uow.session.get_one(Order, order_id).placed_at = pinned
        for mo in uow.session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ):
            mo.created_at = pinned
        uow.commit()
    login(client, world.operator_email)
    page = client.get("/admin").get_data(as_text=True)
    assert "Cette semaine (S24)" in page
    assert '<span class="tile-number">1</span> commande<' in page and "10,50" in page
    lines = client.get("/admin/indicateurs.csv").data.decode("utf-8-sig").splitlines()
    assert lines[-1].split(";")[:5] == ["2026", "24", "2026-06-08", "1", "10,50"]


def test_removing_a_commune_nothing_relies_on_is_done_at_once_and_named(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    client.post(
        "/admin/communes/ajouter",
        data={"insee_code": "62447", "postal_code": "62140", "name": "Hesdin"},
    )
    done = client.post("/admin/communes/62447/retirer", follow_redirects=True)
    assert "Hesdin n&#39;est plus desservie." in done.get_data(as_text=True)
    assert not any(c.insee_code == "62447" for c in _territory(db, world).communes)


def test_removing_a_served_commune_shows_its_shops_deliveries_and_rounds_then_asks(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    configure(app)
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})  # to Saint-Pol, on Tuesday
    with db.uow() as uow:
        reference = uow.session.get_one(Order, oid).reference
    login(client, world.operator_email)

    asked = client.post("/admin/communes/62767/retirer")
    assert asked.status_code == 200
    page = html.unescape(asked.get_data(as_text=True))
    assert '<h1 id="retirer">Ne plus desservir Saint-Pol-sur-Ternoise ?</h1>' in page
    assert re.search(r"\d+ boutiques? y (a son|ont leur) adresse", page)
    assert "<li>Boulangerie Lefebvre</li>" in page
    assert "1 livraison à domicile encore à venir" in page and f"<li>{reference}</li>" in page
    assert "1 tournée passe par cette commune" in page and "<li>Saint-Pol matin</li>" in page
    assert "Frévent après-midi" not in page
    assert 'name="confirm" value="1"' in page
    assert _territory(db, world).serves("62767")  # nothing changed yet

    done = client.post(
        "/admin/communes/62767/retirer", data={"confirm": "1"}, follow_redirects=True
    )
    assert "Saint-Pol-sur-Ternoise n'est plus desservie." in html.unescape(
        done.get_data(as_text=True)
    )
    assert not _territory(db, world).serves("62767")

    # Jeanne's saved address there is no longer offered for home delivery, and she is told.
    client.post("/logout")
    login(client, world.shopper_email)
    client.post("/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1})
    checkout = html.unescape(client.get("/commande").get_data(as_text=True))
    assert (
        "« Domicile » (Saint-Pol-sur-Ternoise)\u00a0: la livraison à domicile ne va plus "
        "jusque-là." in checkout
    )
    assert "— Jeanne Martin, 3 rue des Tilleuls" not in checkout


def test_a_pickup_point_outside_the_territorys_communes_is_refused(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    form = {
        "name": "Épicerie Lille",
        "kind": "commerce",
        "address": "1 rue Nationale",
        "postal_code": "59000",
        "city": "Lille",
    }
    refused = client.post("/admin/points-retrait/nouveau", data=form)
    assert refused.status_code == 422
    assert (
        "Lille n'est pas une commune desservie par le territoire : ajoutez-la d'abord aux "
        "communes desservies, ou choisissez un point dans l'une d'elles."
        in html.unescape(refused.get_data(as_text=True))
    )
    assert not any(p.name == "Épicerie Lille" for p in _territory(db, world).pickup_points)
    # In a served commune, it is created.
    served = {**form, "name": "Épicerie du Ternois", "postal_code": "62130"}
    served["city"] = "Saint-Pol-sur-Ternoise"
    assert client.post("/admin/points-retrait/nouveau", data=served).status_code == 302
