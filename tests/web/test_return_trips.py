"""The way back of returned parcels on the courier's page, and who is told which round
brings them back: the operator, the pickup point and the merchant."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from delivery.model import Round, StopKind, StopStatus
from delivery.services import DepotInput, RoundInput, create_depot, create_round, update_round
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrder
from shop_core.orders.returns import parcel_return, taken_from

from .backoffice import dropped_at_point, merchant_order_of
from .conftest import World, login
from .rounds_setup import (
    TUESDAY,
    add_fleet,
    configure,
    on_the_day,
    place_frevent_order,
    plan,
    stops,
)

DAY = f"?date={TUESDAY.isoformat()}"
TILE_FR = '<span class="tile-number">1</span> retour de colis à confier'
NO_ROOM_FR = (
    "1 retour de colis n'a pas trouvé de place dans les tournées du jour : "
    "il attend une prochaine tournée."
)
NO_ROUND_FR = (
    "1 retour de colis ne peut être pris par aucune tournée : il n'attend pas de prochaine "
    "tournée. La page Retraits dit pourquoi. Demandez à la boutique de venir le chercher, ou "
    "rapportez-le vous-même, puis confirmez-le sur cette page."
)
NO_ROUND_TILE_FR = (
    '<span class="tile-number">1</span> retour de colis qu\'aucune tournée ne peut prendre'
)


@pytest.fixture(autouse=True)
def _delivery_app(app: Flask) -> None:
    configure(app)


def returned_and_planned(client: FlaskClient, db: Database, world: World) -> int:
    """Jeanne never came for her loaf at the tiers-lieu: the operator sent it back to the
    bakery, and Tuesday's morning round is planned; the merchant order's id."""
    add_fleet(db, world)
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})
    client.post("/logout")
    plan(db, world)
    (mo,) = order.merchant_orders
    return mo.id


def page(client: FlaskClient, url: str) -> str:
    return client.get(url).get_data(as_text=True).replace("&#39;", "'")


def test_the_courier_takes_the_parcels_back_at_the_point_and_gives_them_to_the_shop(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    mo_id = returned_and_planned(client, db, world)
    take, give = [s for s in stops(db, world) if s.kind.returning]
    assert (take.kind, give.kind) == (StopKind.TAKE_BACK, StopKind.BRING_BACK)

    # Everyone knows which round brings them back.
    login(client, world.operator_email)
    html = page(client, "/admin/retraits")
    assert "sur une tournée" in html and "Saint-Pol matin, le mardi 24 novembre" in html
    client.post("/logout")
    login(client, world.baker_email)
    html = page(client, f"/boutique/commandes/{mo_id}")
    assert "Le livreur vous les rapporte le mardi 24 novembre" in html
    client.post("/logout")

    on_the_day(app)
    login(client, world.courier_email)
    html = page(client, f"/livreur/{DAY}")
    assert "Reprise de colis retournés" in html and "Colis repris (1)" in html
    assert "Colis rendus à la boutique" in html and "Colis rendus (1)" in html
    assert html.index("Colis repris (1)") < html.index("Colis rendus (1)")
    assert "Pas possible aujourd'hui" in html

    # At the shop first, by mistake: refused, nothing recorded.
    early = client.post(f"/livreur/arrets/{give.id}/retour")
    assert early.status_code == 422
    assert "enregistrez d'abord la reprise" in early.get_data(as_text=True).replace("&#39;", "'")

    taken = client.post(f"/livreur/arrets/{take.id}/retour", follow_redirects=True)
    assert "Colis repris : 1 commande à rendre à sa boutique." in taken.get_data(as_text=True)
    with db.uow() as uow:
        way_back = parcel_return(uow.session, mo_id)
        assert way_back is not None
        assert way_back.held_at == taken_from("Le Tiers-Lieu du Ternois")

    nothing = client.post(
        f"/livreur/arrets/{give.id}/retour-impossible", data={"reason": "", "other": " "}
    )
    assert nothing.status_code == 422
    assert "Indiquez ce qui s'est passé." in nothing.get_data(as_text=True).replace("&#39;", "'")

    given = client.post(f"/livreur/arrets/{give.id}/retour", follow_redirects=True)
    assert "Colis rendus à la boutique : le commerçant décide" in given.get_data(as_text=True)
    assert [s.status for s in stops(db, world) if s.kind.returning] == [StopStatus.DONE] * 2
    with db.uow() as uow:
        way_back = parcel_return(uow.session, mo_id)
        assert way_back is not None and way_back.back_at is not None
    client.post("/logout")

    # The baker now decides whether the loaf goes back on sale.
    login(client, world.baker_email)
    html = page(client, f"/boutique/commandes/{mo_id}")
    assert "Colis revenus à la boutique" in html and "Remettre 1 article en vente" in html


def test_a_way_back_put_off_by_the_courier_is_not_on_the_round_any_more(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    mo_id = returned_and_planned(client, db, world)
    take, _ = [s for s in stops(db, world) if s.kind.returning]
    on_the_day(app)
    login(client, world.courier_email)

    done = client.post(
        f"/livreur/arrets/{take.id}/retour-impossible",
        data={"reason": "Point de retrait fermé"},
        follow_redirects=True,
    )

    assert "Retour reporté : une prochaine tournée s'en chargera." in done.get_data(
        as_text=True
    ).replace("&#39;", "'")
    assert [(s.status, s.reason) for s in stops(db, world) if s.kind.returning] == [
        (StopStatus.FAILED, "Point de retrait fermé")
    ] * 2
    with db.uow() as uow:  # the parcels stay at the point
        way_back = parcel_return(uow.session, mo_id)
        assert way_back is not None and way_back.held_at == "Le Tiers-Lieu du Ternois"
    twice = client.post(f"/livreur/arrets/{take.id}/retour", follow_redirects=True)
    assert "Ce retour est déjà enregistré." in twice.get_data(as_text=True) or (
        "Cette reprise est déjà enregistrée." in twice.get_data(as_text=True)
    )


def test_the_courier_page_says_it_in_english(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    returned_and_planned(client, db, world)
    _, give = [s for s in stops(db, world) if s.kind.returning]
    on_the_day(app)
    login(client, world.courier_email)
    html = page(client, f"/livreur/{DAY}&lang=en")
    assert "Take back returned parcels" in html and "Parcels taken back (1)" in html
    assert "Returned parcels back to the shop" in html and "Not possible today" in html
    early = client.post(f"/livreur/arrets/{give.id}/retour?lang=en")
    assert early.status_code == 422
    assert "were not taken back at the pickup point: record the take-back first." in (
        early.get_data(as_text=True)
    )


def test_the_board_says_the_planning_brings_returned_parcels_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True)
    assert "Journée planifiée : 0 commande sur 2 tournées." in html
    assert "1 commande retournée : ses colis reviennent à sa boutique." in html
    assert "Reprise de colis retournés" in html and "Colis rendus à la boutique" in html


def sent_back_after_the_planning(client: FlaskClient, db: Database, world: World) -> None:
    """Tuesday is planned (nothing to deliver yet), then the operator sends back Jeanne's
    loaf, never fetched at the tiers-lieu. The operator stays logged in."""
    add_fleet(db, world)
    plan(db, world)  # Tuesday is planned (nothing to deliver yet)
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})


def test_parcels_sent_back_after_the_planning_go_on_a_round_from_the_board(
    client: FlaskClient, db: Database, world: World
) -> None:
    sent_back_after_the_planning(client, db, world)

    board = page(client, f"/admin/tournees{DAY}")
    assert "Confier le retour de colis à une tournée du jour" in board
    assert TILE_FR in board

    done = client.post(
        "/admin/tournees/retardataires", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = done.get_data(as_text=True)
    assert "1 commande retournée : ses colis reviennent à sa boutique." in html
    assert "0 commande ajoutée" not in html  # only the way back was added
    assert "Confier le retour de colis" not in html and "retour de colis à confier" not in html
    assert [s.kind for s in stops(db, world) if s.kind.returning] == [
        StopKind.TAKE_BACK,
        StopKind.BRING_BACK,
    ]


def test_one_button_adds_late_orders_and_returned_parcels_and_says_both(
    client: FlaskClient, db: Database, world: World
) -> None:
    sent_back_after_the_planning(client, db, world)
    place_frevent_order(db, world)  # and Paul orders for Tuesday afternoon, after the plan

    board = page(client, f"/admin/tournees{DAY}")
    label = "Ajouter la commande et le retour de colis au plan sans tout changer"
    assert label in board and TILE_FR in board
    assert "Confier le retour de colis" not in board
    english = page(client, f"/admin/tournees{DAY}&lang=en")
    assert "Add the order and the parcel return to the plan without changing the rest" in english
    assert "retour de colis" in page(client, f"/admin/tournees{DAY}&lang=fr")

    client.post("/admin/tournees/retardataires", data={"date": TUESDAY.isoformat()})

    kinds = [s.kind for s in stops(db, world)]
    assert StopKind.TAKE_BACK in kinds and StopKind.BRING_BACK in kinds
    assert kinds.count(StopKind.DELIVER) == 1
    board = page(client, f"/admin/tournees{DAY}")
    assert label not in board and "retour de colis à confier" not in board


def returned_too_big_for_the_rounds(
    client: FlaskClient, db: Database, world: World, *, saturday_van: bool = False
) -> int:
    """Jeanne's loaf sent back from the tiers-lieu, packed in more parcels than the day's
    rounds take (20): no round of the day has room for its way back. With ``saturday_van``
    (30 parcels, past the tiers-lieu on Saturdays) it waits for that van; without, no round
    can ever take it. The operator is logged in. Returns the baker's merchant order id."""
    fleet = add_fleet(db, world)
    if saturday_van:
        with db.uow() as uow:
            create_round(
                uow=uow,
                territory_id=world.territory_id,
                data=RoundInput(
                    name="Saint-Pol samedi", depot_id=fleet.depot_id, weekdays=(5,),
                    starts=dt.time(8), ends=dt.time(13), capacity=30,
                    courier_id=world.courier_id, insee_codes=("62767",),
                ),
                actor=Actor.system(),
            )  # fmt: skip
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})
    mo_id = merchant_order_of(db, order.id, world.baker_id).id
    with db.uow() as uow:
        uow.session.get_one(MerchantOrder, mo_id).parcels = 25
        uow.commit()
    return mo_id


def test_the_board_says_a_way_back_found_no_room_and_counts_it_to_give(
    client: FlaskClient, db: Database, world: World
) -> None:
    returned_too_big_for_the_rounds(client, db, world, saturday_van=True)

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True).replace("&#39;", "'")
    assert "Journée planifiée : 0 commande sur 2 tournées. " + NO_ROOM_FR in html
    assert 'class="flash flash-warning" role="status"' in html
    assert "commande retournée" not in html  # no round brings it back
    assert TILE_FR in html
    assert "Confier le retour de colis à une tournée du jour" in html
    assert "pas encore sur une tournée" in page(client, "/admin/retraits")

    # Giving it to a round of the day finds no more room, and says that, not « 0 commande ».
    again = client.post(
        "/admin/tournees/retardataires", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )
    html = again.get_data(as_text=True).replace("&#39;", "'")
    assert NO_ROOM_FR in html and "0 commande ajoutée" not in html
    assert TILE_FR in html
    assert [s for s in stops(db, world) if s.kind.returning] == []


def test_the_board_says_it_in_english(client: FlaskClient, db: Database, world: World) -> None:
    returned_too_big_for_the_rounds(client, db, world, saturday_van=True)
    client.get(f"/admin/tournees{DAY}&lang=en")  # the session remembers the language

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True).replace("&#39;", "'")
    assert "1 parcel return found no room on the day's rounds: it waits for a later round." in html
    assert '<span class="tile-number">1</span> parcel return to give to a round' in html


def test_the_board_says_no_round_can_take_a_way_back_and_what_to_do(
    client: FlaskClient, db: Database, world: World
) -> None:
    # 25 parcels, and no round of the territory takes more than 20, whatever the day.
    returned_too_big_for_the_rounds(client, db, world)

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True).replace("&#39;", "'")
    assert "Journée planifiée : 0 commande sur 2 tournées. " + NO_ROUND_FR in html
    assert 'class="flash flash-warning" role="status"' in html
    assert NO_ROOM_FR not in html and "attend une prochaine tournée" not in html
    # Counted apart, not as one to give to a round, and no button offers to.
    assert NO_ROUND_TILE_FR in html
    assert "retour de colis à confier" not in html and "Confier le retour de colis" not in html
    # Retraits says why, and what to do.
    pickups = page(client, "/admin/retraits")
    assert "aucune tournée ne peut les prendre" in pickups
    assert "25 colis : plus que n'en prend une tournée." in pickups
    assert "Demandez à la boutique de venir les chercher" in pickups
    assert "pas encore sur une tournée" not in pickups

    # Adding a late order says it again; nothing goes on a round.
    place_frevent_order(db, world)
    again = client.post(
        "/admin/tournees/retardataires", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )
    html = again.get_data(as_text=True).replace("&#39;", "'")
    assert "1 commande ajoutée" in html and NO_ROUND_FR in html
    assert [s for s in stops(db, world) if s.kind.returning] == []


def test_the_board_says_no_round_can_take_it_in_english(
    client: FlaskClient, db: Database, world: World
) -> None:
    returned_too_big_for_the_rounds(client, db, world)
    client.get(f"/admin/tournees{DAY}&lang=en")

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True).replace("&#39;", "'")
    assert (
        "1 parcel return cannot be taken by any round: it is not waiting for a later round. "
        "The Pickups page says why. Ask the shop to fetch it, or bring it back yourself, then "
        "confirm it on that page."
    ) in html
    assert '<span class="tile-number">1</span> parcel return no round can take' in html
    pickups = page(client, "/admin/retraits?lang=en")
    assert "no round can take them" in pickups
    assert "25 parcels: more than a round carries." in pickups


def test_a_way_back_to_a_shop_nowhere_on_the_map_says_to_place_it_first(
    client: FlaskClient, db: Database, world: World
) -> None:
    # The loaf went back from the tiers-lieu (Saturday's van would take it), but the bakery
    # lost its position and stands in a commune the gazetteer does not know: no planning
    # can bring the parcels there.
    mo_id = returned_too_big_for_the_rounds(client, db, world, saturday_van=True)
    with db.uow() as uow:
        bakery = uow.session.get_one(Merchant, world.baker_id)
        bakery.lat = bakery.lon = None
        bakery.insee_code, bakery.postal_code, bakery.city = "99999", "99999", "Nulle-Part"
        uow.commit()

    planned = client.post(
        "/admin/tournees/planifier", data={"date": TUESDAY.isoformat()}, follow_redirects=True
    )

    html = planned.get_data(as_text=True).replace("&#39;", "'")
    assert NO_ROUND_FR in html and NO_ROUND_TILE_FR in html
    assert NO_ROOM_FR not in html and "Confier le retour de colis" not in html
    pickups = page(client, "/admin/retraits")
    assert "aucune tournée ne peut les prendre" in pickups
    assert "n'a pas de position sur la carte : indiquez-la d'abord" in pickups
    assert "pas encore sur une tournée" not in pickups
    assert "plus que n'en prend une tournée" not in pickups
    client.post("/logout")
    login(client, world.baker_email)
    shop = page(client, f"/boutique/commandes/{mo_id}")
    assert "tant que votre boutique, ou le point de retrait où ils attendent, n'est pas" in shop
    assert "trop de colis pour une tournée" not in shop


def test_the_shop_is_told_to_fetch_parcels_no_round_can_bring_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    mo_id = returned_too_big_for_the_rounds(client, db, world)
    client.post("/logout")

    login(client, world.baker_email)
    html = page(client, f"/boutique/commandes/{mo_id}")
    assert "Aucune tournée ne peut vous les rapporter" in html
    assert "venez les chercher" in html
    assert "Une prochaine tournée qui passe par votre boutique" not in html


def test_the_shop_waits_for_a_later_round_when_one_is_big_enough(
    client: FlaskClient, db: Database, world: World
) -> None:
    mo_id = returned_too_big_for_the_rounds(client, db, world, saturday_van=True)
    client.post("/logout")

    login(client, world.baker_email)
    html = page(client, f"/boutique/commandes/{mo_id}")
    assert "Une prochaine tournée qui passe par votre boutique vous les rapporte" in html
    assert "Aucune tournée ne peut vous les rapporter" not in html


def test_parcels_left_at_a_depot_no_round_leaves_from_any_more_are_said_to_wait_for_none(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    # The courier took the loaf back from the tiers-lieu but found the bakery closed, and
    # left it at the Bureau de poste; then both rounds moved to a new depot.
    fleet = add_fleet(db, world)
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}/retour", data={"reason": "Jamais venue"})
    client.post("/logout")
    plan(db, world)
    take, give = [s for s in stops(db, world) if s.kind.returning]
    on_the_day(app)
    login(client, world.courier_email)
    client.post(f"/livreur/arrets/{take.id}/retour")
    client.post(f"/livreur/arrets/{give.id}/retour-impossible", data={"reason": "Boutique fermée"})
    client.post("/logout")
    with db.uow() as uow:
        depot_id = create_depot(
            uow=uow, territory_id=world.territory_id, actor=Actor.system(),
            data=DepotInput("Dépôt de Frévent", "Place du marché", "62270", "Frévent"),
        )  # fmt: skip
        for round_id in (fleet.saint_pol, fleet.frevent):
            r = uow.session.get_one(Round, round_id)
            update_round(
                uow=uow, territory_id=world.territory_id, round_id=round_id, actor=Actor.system(),
                data=RoundInput(
                    name=r.name, depot_id=depot_id, weekdays=r.weekday_numbers, starts=r.starts,
                    ends=r.ends, capacity=r.capacity, courier_id=r.courier_id,
                    insee_codes=sorted(r.insee_codes),
                ),
            )  # fmt: skip

    login(client, world.operator_email)
    pickups = page(client, "/admin/retraits")
    assert "aucune tournée ne peut les prendre" in pickups
    # One parcel: « il attend », not « ils attendent ».
    assert "Aucune tournée pouvant prendre 1 colis ne part plus du dépôt où il attend." in pickups
    assert "pas encore sur une tournée" not in pickups
    client.post("/logout")
    login(client, world.baker_email)
    (mo,) = order.merchant_orders
    shop = page(client, f"/boutique/commandes/{mo.id}")
    assert "ou un dépôt d'où aucune ne part plus) : venez les chercher" in shop
