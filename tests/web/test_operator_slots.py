"""The operator's « Créneaux et heure limite » page: the home-delivery slots shoppers choose,
how many orders still to deliver each one holds, and the order cut-off."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from delivery.model import Round
from shop_core.audit.model import AuditEntry
from shop_core.database import Database
from shop_core.territories.model import DeliverySlot, Territory
from shop_core.territories.services import add_delivery_slot

from .backoffice import place_order
from .conftest import NOW, World, login
from .rounds_setup import add_fleet
from .shopping import add

SOIR = {"label": "Soir (18 h – 20 h)", "starts": "18:00", "ends": "20:00"}


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def _text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def _slots(db: Database, world: World) -> list[tuple[str, str, dt.time, dt.time]]:
    with db.uow() as uow:
        return [
            (s.code, s.label, s.starts, s.ends)
            for s in uow.session.scalars(
                select(DeliverySlot)
                .where(DeliverySlot.territory_id == world.territory_id)
                .order_by(DeliverySlot.starts)
            )
        ]


def _actions(db: Database, world: World) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.territory_id == world.territory_id,
                    AuditEntry.action.like("territory.%"),
                )
                .order_by(AuditEntry.id)
            )
        )


def test_the_territory_page_links_to_the_slots_which_show_their_orders_still_to_deliver(
    client: FlaskClient, db: Database, world: World
) -> None:
    place_order(db, world, {world.bread_id: 1})  # Tuesday, in the morning slot
    login(client, world.operator_email)

    hub = _text(client.get("/admin/territoire"))
    page = _text(client.get("/admin/creneaux"))

    assert 'href="/admin/creneaux"' in hub and "2 créneaux de livraison à domicile." in hub
    assert "Commandes avant 18\u00a0h pour le lendemain." in hub
    assert "Matin (9 h – 12 h)" in page and "Après-midi (14 h – 18 h)" in page
    assert "de 9\u00a0h à 12\u00a0h · 1 commande à livrer" in page
    assert "de 14\u00a0h à 18\u00a0h · aucune commande à livrer" in page
    assert 'href="/admin/creneaux/matin"' in page
    # The cut-off, explained with its current value.
    assert "une commande passée un lundi à 17\u00a0h\u00a059 peut arriver le mardi" in page
    assert 'value="18:00"' in page


def test_a_slot_added_is_offered_at_checkout(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    added = client.post("/admin/creneaux", data=SOIR, follow_redirects=True)

    assert "Créneau « Soir (18 h – 20 h) » ajouté" in _text(added)
    assert _slots(db, world)[-1] == (
        "soir-18-h-20-h",
        "Soir (18 h – 20 h)",
        dt.time(18),
        dt.time(20),
    )
    assert _actions(db, world) == ["territory.slot_add"]

    client.post("/logout")
    login(client, world.shopper_email)
    add(client, world.bread_id)
    checkout = _text(client.get("/commande"))
    assert 'value="soir-18-h-20-h"' in checkout
    assert "Soir (18\u00a0h\u00a0– 20\u00a0h)" in checkout  # its hours on one line


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({**SOIR, "label": ""}, "label", "Indiquez le nom du créneau."),
        ({**SOIR, "label": "MATIN (9 h - 12 h)"}, "label", "porte déjà ce nom"),
        ({**SOIR, "starts": "25:00"}, "starts", "Indiquez une heure, par exemple 9:00 ou 14:30."),
        ({**SOIR, "ends": "midi"}, "ends", "Indiquez une heure, par exemple 9:00 ou 14:30."),
        ({**SOIR, "ends": ""}, "ends", "Indiquez l'heure de fin."),
        ({**SOIR, "ends": "17:00"}, "ends", "Le créneau doit finir après son début."),
        ({**SOIR, "ends": "18:30"}, "ends", "Un créneau dure au moins une heure"),
        ({**SOIR, "starts": "11:00"}, "starts", "Ces heures chevauchent le créneau « Matin"),
    ],
)
def test_a_refused_slot_is_said_next_to_its_field_and_keeps_what_was_typed(
    client: FlaskClient, db: Database, world: World, form: dict[str, str], field: str, said: str
) -> None:
    login(client, world.operator_email)

    response = client.post("/admin/creneaux", data=form)

    page = _text(response)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-err">' in page
    error = page.split(f'<p class="error" id="{field}-err">', 1)[1].split("</p>", 1)[0]
    assert said in error
    assert f'value="{form["label"]}"' in page if form["label"] else True
    assert len(_slots(db, world)) == 2 and _actions(db, world) == []


def test_a_slot_refused_for_its_name_or_hours_is_said_in_english_on_an_english_page(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Both refusals are built from the other slot's label and hours: English pages showed
    them in French."""
    login(client, world.operator_email)

    overlap = _text(client.post("/admin/creneaux?lang=en", data={**SOIR, "starts": "11:00"}))
    twin = _text(
        client.post("/admin/creneaux?lang=en", data={**SOIR, "label": "MATIN (9 h - 12 h)"})
    )

    assert "These hours overlap the slot “Matin" in overlap
    assert "a slot starts when the one before it ends, or later." in overlap
    assert "chevauchent" not in overlap
    assert "already has this name: choose another one." in twin
    assert "porte déjà ce nom" not in twin
    assert len(_slots(db, world)) == 2


def test_the_typed_hours_come_back_in_the_form_as_the_browser_reads_them(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)

    page = _text(client.post("/admin/creneaux", data={**SOIR, "starts": "7h30", "ends": "8h"}))

    # Understood as 07:30–08:00 (too short), and shown as the time picker writes it.
    assert "Un créneau dure au moins une heure" in page
    assert 'value="07:30"' in page and 'value="08:00"' in page


def test_the_hours_of_a_slot_an_order_awaits_are_refused_but_its_name_changes(
    client: FlaskClient, db: Database, world: World
) -> None:
    place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)
    form = _text(client.get("/admin/creneaux/matin"))
    assert "1 commande pas encore livrée a choisi ce créneau" in form

    moved = client.post(
        "/admin/creneaux/matin",
        data={"label": "Matin (8 h – 11 h)", "starts": "08:00", "ends": "11:00"},
    )
    renamed = client.post(
        "/admin/creneaux/matin",
        data={"label": "Matinée (9 h – 12 h)", "starts": "09:00", "ends": "12:00"},
        follow_redirects=True,
    )

    assert moved.status_code == 422
    refusal = _text(moved)
    assert "1 commande pas encore livrée a choisi le créneau « Matin (9 h – 12 h) »" in refusal
    assert "son client attend le livreur entre 9\u00a0h et 12\u00a0h" in refusal
    assert 'value="Matin (8 h – 11 h)"' in refusal and 'value="08:00"' in refusal
    assert "Créneau « Matinée (9 h – 12 h) » enregistré." in _text(renamed)
    assert _slots(db, world)[0] == ("matin", "Matinée (9 h – 12 h)", dt.time(9), dt.time(12))
    assert _actions(db, world) == ["territory.slot_update"]


def test_a_slot_is_deleted_only_when_no_order_awaits_it_and_another_remains(
    client: FlaskClient, db: Database, world: World
) -> None:
    place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)

    kept = client.post("/admin/creneaux/matin/supprimer", follow_redirects=True)
    page = _text(client.get("/admin/creneaux/apres-midi"))
    deleted = client.post("/admin/creneaux/apres-midi/supprimer", follow_redirects=True)

    assert "Vous pourrez le supprimer une fois cette commande livrée ou annulée." in _text(kept)
    assert "Supprimer « Après-midi (14 h – 18 h) »" in page
    assert "Créneau « Après-midi (14 h – 18 h) » supprimé" in _text(deleted)
    assert [s[0] for s in _slots(db, world)] == ["matin"]
    assert _actions(db, world) == ["territory.slot_delete"]


def test_the_last_slot_is_not_deleted_and_the_page_says_why(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    client.post("/admin/creneaux/apres-midi/supprimer")

    page = _text(client.get("/admin/creneaux/matin"))
    refused = client.post("/admin/creneaux/matin/supprimer", follow_redirects=True)

    # The page says why instead of offering the button; a forced request is refused.
    assert "« Matin (9 h – 12 h) » est le seul créneau de livraison à domicile" in page
    assert "Supprimer « Matin" not in page
    assert "n'importe quelle heure de la journée" in _text(refused)
    assert [s[0] for s in _slots(db, world)] == ["matin"]


def test_the_order_cutoff_is_set_and_midnight_refused(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)

    midnight = client.post("/admin/heure-limite", data={"order_cutoff": "00:00"})
    garbage = client.post("/admin/heure-limite", data={"order_cutoff": "bientôt"})
    done = client.post("/admin/heure-limite", data={"order_cutoff": "16:30"}, follow_redirects=True)

    assert midnight.status_code == 422 and "indiquez 23:59" in _text(midnight)
    assert garbage.status_code == 422 and 'value="bientôt"' in _text(garbage)
    assert "Indiquez une heure, par exemple 9:00 ou 14:30." in _text(garbage)
    assert "une commande passée avant 16\u00a0h\u00a030 peut être livrée dès le lendemain" in (
        _text(done)
    )
    assert "lundi à 16\u00a0h\u00a029 peut arriver le mardi" in _text(done)
    with db.uow() as uow:
        assert uow.session.get_one(Territory, world.territory_id).order_cutoff == dt.time(16, 30)
    assert _actions(db, world) == ["territory.order_cutoff"]


def test_a_slot_of_another_territory_is_a_page_that_does_not_exist(
    client: FlaskClient, db: Database, world: World
) -> None:
    # A code only the other territory has: the operator's own territory has no "nuit".
    with db.uow() as uow:
        add_delivery_slot(
            uow=uow,
            territory_id=world.other_territory_id,
            code="nuit",
            label="Nuit (20 h – 22 h)",
            starts=dt.time(20),
            ends=dt.time(22),
        )
    login(client, world.operator_email)

    assert client.get("/admin/creneaux/nulle-part").status_code == 404
    assert client.get("/admin/creneaux/nuit").status_code == 404
    renamed = {"label": "Volée", "starts": "20:00", "ends": "22:00"}
    assert client.post("/admin/creneaux/nuit", data=renamed).status_code == 404
    assert client.post("/admin/creneaux/nuit/supprimer").status_code == 404
    with db.uow() as uow:
        theirs = uow.session.scalars(
            select(DeliverySlot.label).where(
                DeliverySlot.territory_id == world.other_territory_id,
                DeliverySlot.code == "nuit",
            )
        ).all()
    assert theirs == ["Nuit (20 h – 22 h)"]
    assert _actions(db, world) == []


@pytest.mark.parametrize("who", ["shopper_email", "baker_email", "courier_email"])
def test_only_the_operator_reaches_the_slots(
    client: FlaskClient, db: Database, world: World, who: str
) -> None:
    login(client, getattr(world, who))

    answers = [
        client.get("/admin/creneaux").status_code,
        client.post("/admin/creneaux", data=SOIR).status_code,
        client.get("/admin/creneaux/matin").status_code,
        client.post("/admin/creneaux/matin", data=SOIR).status_code,
        client.post("/admin/creneaux/matin/supprimer").status_code,
        client.post("/admin/heure-limite", data={"order_cutoff": "16:00"}).status_code,
    ]

    assert answers == [403] * 6
    assert len(_slots(db, world)) == 2 and _actions(db, world) == []


def test_a_visitor_is_sent_to_log_in(client: FlaskClient, world: World) -> None:
    response = client.get("/admin/creneaux")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _plain(response: object) -> str:
    """The page with the no-break spaces of hours (« 13 h ») read as spaces."""
    return _text(response).replace("\u00a0", " ").replace("\u202f", " ")


def test_a_slot_added_or_changed_says_which_rounds_can_deliver_in_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)  # Saint-Pol matin 8 h – 13 h, Frévent après-midi 13 h – 19 h
    login(client, world.operator_email)

    late = _plain(client.post("/admin/creneaux", data=SOIR, follow_redirects=True))
    assert "Créneau « Soir (18 h – 20 h) » ajouté." in late
    assert "dès maintenant" not in late
    assert (
        "Les clients ne le verront pas tant qu'aucune tournée ne le couvre : « Frévent "
        "après-midi » (13 h – 19 h) n'en couvre qu'une partie." in late
    )
    night = {"label": "Nuit", "starts": "21:00", "ends": "23:00"}
    nobody = _plain(client.post("/admin/creneaux", data=night, follow_redirects=True))
    assert (
        "Les clients ne le verront pas tant qu'aucune tournée ne le couvre : aucune tournée "
        "ne roule pendant ce créneau." in nobody
    )
    morning = {"label": "Midi", "starts": "12:00", "ends": "13:00"}
    fine = _plain(client.post("/admin/creneaux", data=morning, follow_redirects=True))
    assert (
        "Les clients le verront dans les communes et les jours de la tournée qui le couvre : "
        "« Saint-Pol matin » (8 h – 13 h)." in fine
    )
    assert "ne le verront pas" not in fine

    # Its hours changed to fit a round: said again.
    code = next(c for c, label, *_ in _slots(db, world) if label.startswith("Soir"))
    moved = client.post(
        f"/admin/creneaux/{code}",
        data={**SOIR, "starts": "18:00", "ends": "19:00"},
        follow_redirects=True,
    )
    assert "Créneau « Soir (18 h – 20 h) » enregistré." in _plain(moved)
    assert "de la tournée qui le couvre : « Frévent après-midi » (13 h – 19 h)." in _plain(moved)


def test_without_any_round_a_slot_is_added_without_a_word_on_rounds(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    page = _plain(client.post("/admin/creneaux", data=SOIR, follow_redirects=True))
    assert "Créneau « Soir (18 h – 20 h) » ajouté : les clients peuvent le choisir" in page
    assert "Aucune tournée" not in page and "le verront" not in page
    assert "proposé aux clients" not in page.lower()


def _row(page: str, label: str) -> str:
    """The list's row of a slot, from its name to the next row."""
    return page.split(f">{label}</a></h3>", 1)[1].split('<li class="merchant-row">', 1)[0]


def test_the_list_and_the_slot_page_say_which_slots_shoppers_are_offered(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)  # Saint-Pol matin 8 h – 13 h, Frévent après-midi 13 h – 19 h
    login(client, world.operator_email)
    client.post("/admin/creneaux", data=SOIR)  # 18 h – 20 h: Frévent covers only part of it
    client.post("/admin/creneaux", data={"label": "Nuit", "starts": "21:00", "ends": "23:00"})
    client.get("/admin/creneaux")  # the flashes are gone

    page = _plain(client.get("/admin/creneaux"))

    assert (
        "Proposé aux clients dans les communes et les jours de la tournée « Saint-Pol matin » "
        "(8 h – 13 h)." in _row(page, "Matin (9 h – 12 h)")
    )
    assert "de la tournée « Frévent après-midi » (13 h – 19 h)." in _row(
        page, "Après-midi (14 h – 18 h)"
    )
    late = _row(page, "Soir (18 h – 20 h)")
    assert (
        '<p class="notice notice-pending">Pas proposé aux clients : aucune tournée ne couvre '
        "tout ce créneau, « Frévent après-midi » (13 h – 19 h) n'en couvre qu'une partie.</p>"
    ) in late
    assert "Pas proposé aux clients : aucune tournée ne roule pendant ce créneau." in _row(
        page, "Nuit"
    )
    assert "Pas proposé" not in _row(page, "Matin (9 h – 12 h)")

    # The slot's own page says the same.
    matin = _plain(client.get("/admin/creneaux/matin"))
    assert "Proposé aux clients dans les communes et les jours de la tournée « Saint-Pol" in matin
    code = next(c for c, label, *_ in _slots(db, world) if label == "Nuit")
    night = _plain(client.get(f"/admin/creneaux/{code}"))
    assert "Pas proposé aux clients : aucune tournée ne roule pendant ce créneau." in night


def test_a_slot_two_rounds_cover_names_both(
    client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    with db.uow() as uow:  # both rounds out all day
        for round_ in uow.session.scalars(select(Round)):
            round_.starts, round_.ends = dt.time(8), dt.time(19)
        uow.commit()
    login(client, world.operator_email)

    page = _plain(client.get("/admin/creneaux"))

    assert (
        "Proposé aux clients dans les communes et les jours des tournées « Frévent après-midi » "
        "(8 h – 19 h), « Saint-Pol matin » (8 h – 19 h)." in _row(page, "Matin (9 h – 12 h)")
    )
