"""« Ma boutique » (/boutique/ma-boutique): the merchant's presentation, contact details and
opening hours, each form saved apart; the shop page shows what was saved."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from shop_core.merchants.services import set_opening_hours

from .conftest import World, login

PAGE = "/boutique/ma-boutique"
HOURS = "/boutique/ma-boutique/horaires"
PRESENTATION = "/boutique/ma-boutique/presentation"

# The factory's shops open Tuesday to Saturday, 8:00 to 19:00.
FACTORY_WEEK = [(day, dt.time(8), dt.time(19)) for day in range(1, 6)]


def _week(**days: object) -> dict[str, str]:
    """The hours form as the factory's week shows it, with ``days`` changed: ``j1=("07:00",
    "12:30", "14:00", "19:00")`` for two ranges on Tuesday, ``j0="ferme"`` to close Monday."""
    form: dict[str, str] = {}
    for day in range(7):
        value = days.get(f"j{day}", "ferme" if day in (0, 6) else ("08:00", "19:00", "", ""))
        if value == "ferme":
            form[f"j{day}-ferme"] = "1"
            continue
        assert isinstance(value, tuple)
        times = [*value, "", "", "", ""][:4]
        form.update(
            {f"j{day}-de1": times[0], f"j{day}-a1": times[1]}
            | {f"j{day}-de2": times[2], f"j{day}-a2": times[3]}
        )
    return form


def _hours(db: Database, merchant_id: int) -> list[tuple[int, dt.time, dt.time]]:
    with db.uow() as uow:
        merchant = uow.session.get(Merchant, merchant_id)
        assert merchant is not None
        return [(h.weekday, h.opens, h.closes) for h in merchant.opening_hours]


def _merchant(db: Database, merchant_id: int) -> Merchant:
    with db.uow() as uow:
        merchant = uow.session.get(Merchant, merchant_id)
        assert merchant is not None
        uow.session.expunge(merchant)
        return merchant


def _html(response: TestResponse) -> str:
    """The page with its entities read back (« d'ouverture », not « d&#39;ouverture »)."""
    return html.unescape(response.get_data(as_text=True))


def _day_block(page: str, weekday: int) -> str:
    """The HTML of one day's block of the hours form."""
    start = page.index(f'id="jour-{weekday}"')
    end = page.find(f'id="jour-{weekday + 1}"', start)
    return page[start : end if end > 0 else page.index("Enregistrer les horaires")]


def _flash(client: FlaskClient) -> str:
    """The last message shown on the page."""
    page = _html(client.get(PAGE))
    messages = re.findall(r'<p class="flash flash-\w+">(.*?)</p>', page, re.S)
    assert messages, "no message on the page"
    return re.sub(r"[ \n\t]+", " ", messages[-1]).strip()  # the last: after « Bonjour … »


def _slug(db: Database, merchant_id: int) -> str:
    return _merchant(db, merchant_id).slug


def test_the_page_is_linked_from_the_back_office_and_filled_with_the_shops_details(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    assert f'href="{PAGE}"' in _html(client.get("/boutique"))
    page = _html(client.get(PAGE))
    assert f'href="{PAGE}" aria-current="page"' in page
    assert "Présentation et contact" in page and "Horaires d'ouverture" in page
    assert "Les livreurs ne passent prendre vos colis que pendant ces horaires" in page
    assert "se changent auprès de l'animation du territoire" in page
    monday, tuesday = _day_block(page, 0), _day_block(page, 1)
    assert 'name="j0-ferme" value="1" checked' in monday
    assert 'name="j1-ferme" value="1">' in tuesday
    assert 'name="j1-de1" value="08:00"' in tuesday and 'name="j1-a1" value="19:00"' in tuesday
    assert 'name="j1-de2" value=""' in tuesday
    assert page.count('type="time"') == 7 * 4


def test_merchant_changes_the_hours_and_the_shop_page_shows_them(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(
        HOURS,
        data=_week(j1=("07:00", "12:30", "14:00", "19:00"), j5=("8:00", "12h"), j6="ferme"),
    )
    assert response.status_code == 302
    # At the message, not at the form the browser would otherwise scroll back to.
    assert response.headers["Location"].endswith(f"{PAGE}#contenu")
    assert _hours(db, world.baker_id) == [
        (1, dt.time(7), dt.time(12, 30)),
        (1, dt.time(14), dt.time(19)),
        (2, dt.time(8), dt.time(19)),
        (3, dt.time(8), dt.time(19)),
        (4, dt.time(8), dt.time(19)),
        (5, dt.time(8), dt.time(12)),
    ]
    # Only the days that changed are named.
    assert _flash(client) == (
        "Horaires enregistrés — mardi : 7\u00a0h – 12\u00a0h\u00a030, 14\u00a0h – 19\u00a0h ; "
        "samedi : 8\u00a0h – 12\u00a0h."
    )
    page = client.get(f"/boutiques/{_slug(db, world.baker_id)}").get_data(as_text=True)
    assert (
        'Mardi</th><td role="cell"><span class="window"><span class="nowrap">7\u00a0h –</span> '
        '<span class="nowrap">12\u00a0h\u00a030,</span></span> '
        '<span class="window"><span class="nowrap">14\u00a0h –</span> '
        '<span class="nowrap">19\u00a0h</span></span>'
    ) in page
    assert (
        'Samedi</th><td role="cell"><span class="window"><span class="nowrap">8\u00a0h –</span> '
        '<span class="nowrap">12\u00a0h</span></span>'
    ) in page
    with db.uow() as uow:
        entry = uow.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "merchant.opening_hours")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.actor_id == world.baker_user_id
        assert entry.merchant_id == world.baker_id and not entry.on_behalf


def test_ticking_closed_on_a_day_shown_open_closes_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    # The form still carries Wednesday's hours, as the page showed them.
    form = _week() | {"j2-ferme": "1"}
    assert client.post(HOURS, data=form).status_code == 302
    assert [d for d, _, _ in _hours(db, world.baker_id)] == [1, 3, 4, 5]
    assert _flash(client) == "Horaires enregistrés — mercredi : fermé."


def test_saving_the_hours_unchanged_says_so_and_audits_nothing(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    assert client.post(HOURS, data=_week()).status_code == 302
    assert _flash(client) == "Horaires d'ouverture : rien n'a changé."
    assert _hours(db, world.baker_id) == FACTORY_WEEK


def test_bad_hours_are_explained_next_to_their_day_and_everything_typed_is_kept(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(
        HOURS,
        data=_week(
            j0=("09:00", "", "", ""),  # only the opening time
            j1=("14:00", "19:00", "08:00", "12:00"),  # afternoon typed first
            j2=("", "", "", ""),  # neither closed nor hours
            j3=("25:00", "19:00"),  # not a time
            j4=("07:00", "12:00", "", "18:00"),  # second range without its opening
            j6=("10:00", "12:00"),
        )
        | {"j6-ferme": "1"},  # ticked closed, yet new hours typed
    )
    assert response.status_code == 422
    page = _html(response)
    assert "Les horaires n'ont pas été enregistrés" in page
    expected = {
        0: "Il manque l'heure de fermeture de la plage qui ouvre à 09:00.",
        1: "La seconde plage vient avant la première",
        2: "Indiquez les heures d'ouverture, ou cochez «\u00a0Fermé\u00a0».",
        3: "«\u00a025:00\u00a0» n'est pas une heure : écrivez par exemple 08:30.",
        4: "Il manque l'heure d'ouverture de la plage qui ferme à 18:00.",
        6: "Vous avez coché «\u00a0Fermé\u00a0» et indiqué des heures",
    }
    for day, words in expected.items():
        assert words in _day_block(page, day), day
    assert 'class="error"' not in _day_block(page, 5)
    # What was typed is all there, valid or not, and nothing was saved.
    assert 'name="j0-de1" value="09:00" aria-invalid="true"' not in page  # the opening was fine
    assert 'name="j0-a1" value="" aria-invalid="true"' in page
    assert 'name="j1-de1" value="14:00"' in page and 'name="j1-de2" value="08:00"' in page
    assert 'name="j3-de1" value="25:00" aria-invalid="true"' in page
    assert 'name="j5-de1" value="08:00"' in page
    assert 'name="j6-ferme" value="1" checked' in page and 'name="j6-de1" value="10:00"' in page
    assert _hours(db, world.baker_id) == FACTORY_WEEK
    # The other form of the page is still there, filled from the shop.
    assert 'name="phone"' in page and "Enregistrer la présentation" in page


def test_the_cores_refusals_are_shown_next_to_their_day_in_french(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    closing_first = client.post(HOURS, data=_week(j2=("12:00", "08:00"), j4=("19:00", "19:00")))
    assert closing_first.status_code == 422
    page = _html(closing_first)
    for day in (2, 4):
        assert "L'heure de fermeture doit suivre l'ouverture." in _day_block(page, day)
    assert "doit suivre" not in _day_block(page, 3)
    assert 'name="j2-de1" value="12:00"' in page and 'name="j2-a1" value="08:00"' in page

    overlapping = client.post(HOURS, data=_week(j3=("08:00", "13:00", "12:00", "18:00")))
    assert overlapping.status_code == 422
    page = _html(overlapping)
    assert "Deux plages horaires se chevauchent." in _day_block(page, 3)
    assert 'name="j3-de2" value="12:00"' in page
    assert _hours(db, world.baker_id) == FACTORY_WEEK


def test_a_week_closed_every_day_is_refused(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(HOURS, data={f"j{d}-ferme": "1" for d in range(7)})
    assert response.status_code == 422
    assert "Indiquez au moins un jour d'ouverture" in _html(response)
    assert _hours(db, world.baker_id) == FACTORY_WEEK


def test_merchant_changes_the_presentation_and_the_shop_page_shows_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    response = client.post(
        PRESENTATION,
        data={
            "description": "Pains au levain cuits sur sole.\r\nTartes au sucre le dimanche.",
            "phone": "03 21 12 34 56",
            "email": "Contact@Fournil.fr",
        },  # click & collect unticked
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE}#contenu")
    assert _flash(client) == (
        "Enregistré : la présentation, le téléphone, l'e-mail de contact, retrait en "
        "boutique plus proposé. Votre page boutique est à jour."
    )
    baker = _merchant(db, world.baker_id)
    assert baker.description == "Pains au levain cuits sur sole.\nTartes au sucre le dimanche."
    assert (baker.phone, baker.email, baker.click_and_collect) == (
        "03 21 12 34 56",
        "contact@fournil.fr",
        False,
    )
    page = _html(client.get(f"/boutiques/{baker.slug}"))
    assert "<p>Pains au levain cuits sur sole.</p><p>Tartes au sucre le dimanche.</p>" in page
    assert 'href="tel:0321123456">03 21 12 34 56</a>' in page
    assert "Retrait en boutique possible" not in page
    # The hours were not touched by this form.
    assert _hours(db, world.baker_id) == FACTORY_WEEK


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("phone", "appelez le matin", "Numéro de téléphone invalide"),
        ("email", "contact@fournil", "Adresse e-mail invalide"),
        ("description", "x" * 2001, "La présentation est trop longue"),
    ],
)
def test_bad_presentation_keeps_what_was_typed_and_says_why_in_french(
    client: FlaskClient, db: Database, world: World, field: str, typed: str, words: str
) -> None:
    login(client, world.baker_email)
    data = {
        "description": "Notre pain.",
        "phone": "03 21 12 34 56",
        "email": "contact@fournil.fr",
        "click_and_collect": "y",
    } | {field: typed}
    response = client.post(PRESENTATION, data=data)
    assert response.status_code == 422
    page = _html(response)
    error = re.search(rf'<p class="error" id="{field}-err">(.*?)</p>', page, re.S)
    assert error and words in error.group(1)
    for name, value in data.items():
        if name == "description":
            assert f">\r\n{value}</textarea>" in page or f">{value}</textarea>" in page
        elif name != "click_and_collect":
            assert f'value="{value}"' in page, name
    baker = _merchant(db, world.baker_id)
    assert (baker.description, baker.phone, baker.email) == ("", "", "")
    # The hours form below is still filled from the shop.
    assert 'name="j1-de1" value="08:00"' in page


def test_a_merchant_only_ever_changes_their_own_shop(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.farmer_email)
    assert client.post(HOURS, data=_week(j1=("09:00", "12:00"))).status_code == 302
    client.post(PRESENTATION, data={"description": "Nos pommes.", "phone": "0321000000"})
    assert _hours(db, world.baker_id) == FACTORY_WEEK
    baker = _merchant(db, world.baker_id)
    assert (baker.description, baker.phone) == ("", "")
    farmer = _merchant(db, world.farmer_id)
    assert (farmer.description, farmer.phone) == ("Nos pommes.", "0321000000")
    assert _hours(db, world.farmer_id)[0] == (1, dt.time(9), dt.time(12))
    # The baker's page shows the baker's own details, not the farmer's.
    client.post("/logout")
    login(client, world.baker_email)
    page = _html(client.get(PAGE))
    assert "Nos pommes." not in page and 'name="j1-de1" value="08:00"' in page


@pytest.mark.parametrize("who", ["shopper_email", "courier_email"])
def test_shoppers_and_couriers_are_refused(
    client: FlaskClient, db: Database, world: World, who: str
) -> None:
    login(client, getattr(world, who))
    assert client.get(PAGE).status_code == 403
    assert client.post(HOURS, data=_week(j1=("09:00", "10:00"))).status_code == 403
    assert client.post(PRESENTATION, data={"description": "Pirate"}).status_code == 403
    assert _hours(db, world.baker_id) == FACTORY_WEEK
    assert _merchant(db, world.baker_id).description == ""


def test_visitors_are_sent_to_log_in(client: FlaskClient, world: World) -> None:
    response = client.post(HOURS, data=_week())
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_operator_acting_for_the_merchant_changes_hours_and_presentation_on_record(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.operator_email)
    assert client.get(PAGE).status_code == 403  # not acting for a shop yet
    client.post(f"/admin/boutiques/{world.baker_id}/agir")
    page = _html(client.get(PAGE))
    assert "Vous agissez pour « Boulangerie Lefebvre »" in page
    assert client.post(HOURS, data=_week(j0=("09:00", "12:00"))).status_code == 302
    assert client.post(PRESENTATION, data={"description": "Pain bio."}).status_code == 302
    assert _hours(db, world.baker_id)[0] == (0, dt.time(9), dt.time(12))
    assert _merchant(db, world.baker_id).description == "Pain bio."
    with db.uow() as uow:
        entries = list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action.in_(["merchant.opening_hours", "merchant.profile"]),
                    AuditEntry.actor_id == world.operator_id,
                )
            )
        )
    assert {e.action for e in entries} == {"merchant.opening_hours", "merchant.profile"}
    assert all(e.on_behalf and e.merchant_id == world.baker_id for e in entries)
    log = _html(client.get(f"/admin/boutiques/{world.baker_id}/journal"))
    assert "Présentation et contact modifiés" in log and "Horaires modifiés" in log


def test_a_day_saved_with_three_ranges_shows_and_keeps_all_three(
    client: FlaskClient, db: Database, world: World
) -> None:
    three = [(dt.time(7), dt.time(9)), (dt.time(11), dt.time(13)), (dt.time(16), dt.time(19))]
    with db.uow() as uow:
        set_opening_hours(
            uow=uow,
            merchant_id=world.baker_id,
            windows=[(1, a, b) for a, b in three],
            actor=Actor.system(),
        )
    login(client, world.baker_email)
    tuesday = _day_block(_html(client.get(PAGE)), 1)
    assert 'name="j1-de3" value="16:00"' in tuesday and 'name="j1-a3" value="19:00"' in tuesday
    form = {f"j{d}-ferme": "1" for d in (0, 2, 3, 4, 5, 6)} | {
        "j1-de1": "07:00",
        "j1-a1": "09:00",
        "j1-de2": "11:00",
        "j1-a2": "13:00",
        "j1-de3": "16:00",
        "j1-a3": "18:00",
    }
    assert client.post(HOURS, data=form).status_code == 302
    assert _hours(db, world.baker_id) == [
        (1, dt.time(7), dt.time(9)),
        (1, dt.time(11), dt.time(13)),
        (1, dt.time(16), dt.time(18)),
    ]


def _presentation(db: Database, world: World, **typed: str) -> dict[str, str]:
    """The presentation part of the page as saved, with ``typed`` changed."""
    baker = _merchant(db, world.baker_id)
    saved = {"description": baker.description, "phone": baker.phone or ""}
    saved |= {"email": baker.email or ""} | (
        {"click_and_collect": "y"} if baker.click_and_collect else {}
    )
    return saved | typed


def test_saving_the_hours_keeps_the_presentation_typed_meanwhile_unsaved(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    before = _merchant(db, world.baker_id).description
    typed = _presentation(db, world, description="Pains au levain, tapé sans enregistrer")

    response = client.post(HOURS, data=typed | _week(j0=("09:00", "12:00")))

    assert response.status_code == 200
    page = _html(response)
    assert "Horaires enregistrés — lundi : 9\u00a0h – 12\u00a0h." in page
    assert "Pains au levain, tapé sans enregistrer</textarea>" in page
    assert "La présentation que vous avez changée plus haut n'est pas encore enregistrée" in page
    assert _hours(db, world.baker_id)[0] == (0, dt.time(9), dt.time(12))
    assert _merchant(db, world.baker_id).description == before


def test_saving_the_presentation_keeps_the_hours_typed_meanwhile_unsaved(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    typed = _presentation(db, world, description="Notre pain au levain.")

    response = client.post(PRESENTATION, data=typed | _week(j0=("09:00", "12:00")))

    assert response.status_code == 200
    page = _html(response)
    assert "Enregistré : la présentation." in page
    assert "Les horaires que vous avez changés plus bas ne sont pas encore enregistrés" in page
    assert 'name="j0-de1" value="09:00"' in page and 'name="j0-ferme" value="1" checked' not in page
    assert _merchant(db, world.baker_id).description == "Notre pain au levain."
    assert _hours(db, world.baker_id) == FACTORY_WEEK


def test_either_button_with_the_other_part_untouched_goes_back_to_the_page(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    page = _html(client.get(PAGE))
    assert page.count("<form") - page.count('action="/boutique/ma-boutique/fermetures') >= 1
    assert 'formaction="/boutique/ma-boutique/horaires#horaires"' in page

    hours = client.post(HOURS, data=_presentation(db, world) | _week(j0=("09:00", "12:00")))
    text = client.post(
        PRESENTATION,
        data=_presentation(db, world, phone="03 21 00 00 00") | _week(j0=("09:00", "12:00")),
    )

    assert hours.status_code == 302 and text.status_code == 302


def test_every_day_at_fault_is_told_in_one_go(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)

    response = client.post(
        HOURS,
        data=_week(
            j0=("09:00", ""),  # read by the form
            j1=("12:30", "09:00"),  # closes before it opens: the core's first refusal
            j2=("09:00", "12:30", "11:00", "19:00"),  # overlapping: the core's second
        ),
    )

    assert response.status_code == 422
    page = _html(response)
    assert "Il manque l'heure de fermeture" in _day_block(page, 0)
    assert "L'heure de fermeture doit suivre l'ouverture." in _day_block(page, 1)
    assert "Deux plages horaires se chevauchent." in _day_block(page, 2)
    assert 'name="j2-de2" value="11:00" aria-invalid="true"' in page
    assert _hours(db, world.baker_id) == FACTORY_WEEK
