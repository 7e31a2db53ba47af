"""« Commandes »: the operator's list of the territory's orders, its filters in the query
string, its pages, its CSV export, and filters that cannot be meant."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from flask.testing import FlaskClient

from reference_app.operator import orders as orders_views
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, Order, PaymentMethod
from shop_core.orders.services import Customer, DeliveryChoice, checkout, transition
from shop_core.testing.factories import make_merchant, make_product, make_user

from .backoffice import TUESDAY, S, merchant_order_of, place_order
from .conftest import NOW, World, login, only_the_operator_reaches

URL = "/admin/commandes"
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
CSV_URL = "/admin/commandes.csv"


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def listed(page: str) -> list[str]:
    """The order references the page lists, in order."""
    return re.findall(r'<th scope="row"><div>\s*<[^>]+>([A-Z]{3}-\d{6}-[A-Z0-9]{6})<', page)


def accept(db: Database, order_id: int, merchant_id: int) -> None:
    mo = merchant_order_of(db, order_id, merchant_id)
    with db.uow() as uow:
        transition(uow=uow, merchant_order_id=mo.id, target=S.ACCEPTED, actor=Actor.system())


def reference(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).reference


def elsewhere(db: Database, world: World, name: str = "Jeanne Martin") -> str:
    """An order of the other territory, by a namesake of Jeanne; its reference."""
    with db.uow() as uow:
        shop = make_merchant(uow, territory_id=world.other_territory_id, name="Fournil d'Ailleurs")
        bread = make_product(uow, merchant_id=shop)
        user = make_user(uow, territory_id=world.other_territory_id, name=name)
        cart = get_or_create_cart(uow=uow, territory_id=world.other_territory_id, user_id=user)
        add_item(uow=uow, cart_id=cart, product_id=bread, quantity=1)
        order_id = checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer(name, "jeanne@ailleurs.fr", "0699999999", user),
            delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY),
            now=NOW,
        )
        return uow.session.get_one(Order, order_id).reference


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_only_the_operator_reaches_the_list_and_its_export(
    client: FlaskClient, world: World, url: str
) -> None:
    only_the_operator_reaches(client, world, url)


def test_the_list_shows_each_order_its_shops_states_and_links_and_no_other_territory(
    client: FlaskClient, world: World, db: Database
) -> None:
    both = place_order(db, world, {world.bread_id: 1, world.apples_id: 2})
    accept(db, both, world.farmer_id)
    online = place_order(db, world, {world.cake_id: 1}, payment_method=PaymentMethod.ONLINE)
    theirs = elsewhere(db, world)
    login(client, world.operator_email)
    page = text_of(client.get(URL))
    ref = reference(db, both)
    assert listed(page) == [reference(db, online), ref]
    # Not « Passée »: what the part waits for.
    assert '"status status-placed">En attente du paiement en ligne</span>' in page
    assert '"status status-placed">À accepter</span>' in page
    assert ">Passée<" not in page
    assert theirs not in page
    assert '<a href="/admin/commandes" aria-current="page">Commandes</a>' in page
    # The reference opens the order's page (the sheet to print is linked from there).
    assert f'href="/admin/commandes/{ref}">{ref}</a>' in page
    assert f'href="/admin/clients/{world.shopper_id}">Jeanne Martin</a>' in page
    for shown in (
        "0601020304",
        "Saint-Pol-sur-Ternoise",
        "À domicile",
        "mar. 24 nov.",
        "Matin (9 h – 12 h)",
        "Boulangerie Lefebvre",
        "À accepter",
        "Ferme du Ternois",
        "Acceptée",
        "9,30",  # 3,50 € of bread and 2 × 2,90 € of apples
        "2 commandes",
    ):
        assert shown in page, shown


def test_filters_combine_and_pages_keep_them(
    client: FlaskClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    bread = place_order(db, world, {world.bread_id: 1})
    apples = place_order(db, world, {world.apples_id: 1})
    accept(db, apples, world.farmer_id)
    point = place_order(db, world, {world.apples_id: 1}, DeliveryMethod.PICKUP_POINT)
    refs = {oid: reference(db, oid) for oid in (bread, apples, point)}
    later = place_order(db, world, {world.bread_id: 2})
    with db.uow() as uow:
        uow.session.get_one(Order, later).delivery_date = WEDNESDAY
        uow.session.get_one(Order, later).customer_name = "Paul Leroy"
        uow.session.get_one(Order, later).customer_email = "paul@example.fr"
        uow.commit()
    login(client, world.operator_email)

    def found(**args: str) -> list[str]:
        answer = client.get(URL, query_string=args)
        assert answer.status_code == 200
        return listed(text_of(answer))

    assert found(q="martin") == [refs[point], refs[apples], refs[bread]]
    # A day alone is that day; with « jusqu'au », every day between.
    assert found(du=WEDNESDAY.isoformat()) == [reference(db, later)]
    assert found(du=TUESDAY.isoformat(), au=WEDNESDAY.isoformat()) == [
        reference(db, later),
        refs[point],
        refs[apples],
        refs[bread],
    ]
    assert found(au=TUESDAY.isoformat()) == [refs[point], refs[apples], refs[bread]]
    assert found(q="JEANNE", statut="to_accept") == [refs[point], refs[bread]]
    assert found(statut="to_accept", boutique=str(world.farmer_id)) == [refs[point]]
    assert found(statut="preparing", boutique=str(world.farmer_id)) == [refs[apples]]
    assert found(mode="pickup_point") == [refs[point]]
    assert found(mode="home", boutique=str(world.baker_id), q="martin") == [refs[bread]]
    assert found(du=TUESDAY.isoformat()) == [refs[point], refs[apples], refs[bread]]
    assert found(du="24/11/2026", au="30/11/2026", q="martin") == found(q="martin")
    assert found(du="2026-11-26") == []
    assert found(q=refs[apples].lower()) == [refs[apples]]
    assert "Aucune commande ne correspond à ces filtres." in text_of(
        client.get(URL, query_string={"q": "personne"})
    )

    monkeypatch.setattr(orders_views, "PER_PAGE", 2)
    first = client.get(URL, query_string={"q": "martin", "mode": ""}).get_data(as_text=True)
    assert listed(first) == [refs[point], refs[apples]]
    assert "3 commandes · Page 1 sur 2" in html.unescape(first)
    # The next page and the export keep the filters (the empty one is left out).
    assert 'href="/admin/commandes?page=2&amp;q=martin"' in first
    assert 'href="/admin/commandes.csv?q=martin"' in first
    assert listed(text_of(client.get(URL, query_string={"q": "martin", "page": "2"}))) == [
        refs[bread]
    ]


def test_the_export_is_the_filtered_list_one_line_per_shop(
    client: FlaskClient, world: World, db: Database
) -> None:
    both = place_order(db, world, {world.bread_id: 1, world.apples_id: 2})
    accept(db, both, world.baker_id)
    place_order(db, world, {world.apples_id: 1}, DeliveryMethod.PICKUP_POINT)
    elsewhere(db, world)
    login(client, world.operator_email)
    answer = client.get(CSV_URL, query_string={"mode": "home"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == orders_views.CSV_HEADER
    ref = reference(db, both)
    assert [r[0] for r in rows[1:]] == [ref, ref]
    baker, farmer = rows[1:]
    assert baker[2:8] == [
        "Jeanne Martin",
        "0601020304",
        world.shopper_email,
        "Saint-Pol-sur-Ternoise",
        "À domicile",
        TUESDAY.isoformat(),
    ]
    assert baker[8] == "Matin (9 h – 12 h)"
    assert baker[10:] == ["Boulangerie Lefebvre", "Acceptée", "3,50", "9,30"]
    # As the list says it: what the part waits for, not « Passée ».
    assert farmer[10:] == ["Ferme du Ternois", "À accepter", "5,80", "9,30"]


def test_a_name_typed_as_a_formula_is_exported_as_text(
    client: FlaskClient, world: World, db: Database
) -> None:
    elsewhere(db, world)  # the other territory's order stays out of the file
    with db.uow() as uow:
        cart = get_or_create_cart(
            uow=uow, territory_id=world.territory_id, user_id=world.shopper2_id
        )
        add_item(uow=uow, cart_id=cart, product_id=world.bread_id, quantity=1)
        checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer(
                '=HYPERLINK("http://x.example")', "paul@example.fr", "+33 6 00", world.shopper2_id
            ),
            delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY),
            now=NOW,
        )
    login(client, world.operator_email)
    rows = list(
        csv.reader(io.StringIO(client.get(CSV_URL).data.decode("utf-8-sig")), delimiter=";")
    )
    assert len(rows) == 2
    assert rows[1][2:4] == ['\'=HYPERLINK("http://x.example")', "'+33 6 00"]


DATE_ERROR = "Date non reconnue : indiquez un jour qui existe, par exemple 24/11/2026."
CHOICE_ERROR = "N'est pas un choix valide."


@pytest.mark.parametrize(
    ("args", "message", "kept"),
    [
        ({"du": "2026-13-45"}, DATE_ERROR, 'value="2026-13-45"'),
        ({"au": "31/02/2026"}, DATE_ERROR, 'value="31/02/2026"'),
        ({"du": "9999-12-31"}, DATE_ERROR, 'value="9999-12-31"'),
        (
            {"du": "2026-11-25", "au": "2026-11-24"},
            "Ce jour est avant le jour de livraison choisi.",
            'value="2026-11-24"',
        ),
        ({"statut": "perdue"}, CHOICE_ERROR, None),
        ({"mode": "drone", "q": "martin"}, CHOICE_ERROR, 'value="martin"'),
        ({"boutique": "99999999999999999999"}, CHOICE_ERROR, None),
        ({"q": "x" * 81}, "80 caractères au plus.", f'value="{"x" * 81}"'),
    ],
)
def test_a_filter_that_cannot_be_meant_is_said_in_french_and_lists_nothing(
    client: FlaskClient,
    world: World,
    db: Database,
    args: dict[str, str],
    message: str,
    kept: str | None,
) -> None:
    place_order(db, world, {world.bread_id: 1})
    login(client, world.operator_email)
    for url in (URL, CSV_URL):
        answer = client.get(url, query_string=args)
        assert answer.status_code == 200
        assert answer.mimetype == "text/html"
        page = text_of(answer)
        assert message in page
        assert "Corrigez le filtre signalé pour voir les commandes." in page
        assert listed(page) == []
        assert "Exporter en CSV" not in page
        if kept:  # what was typed stays in the form, to be corrected
            assert kept in page


@pytest.mark.parametrize("page", ["-3", "abc", "0", "99", "1e9", "99999999999999999999"])
def test_a_page_number_out_of_range_or_not_a_number_shows_a_page_of_the_list(
    client: FlaskClient, world: World, db: Database, page: str
) -> None:
    ref = reference(db, place_order(db, world, {world.bread_id: 1}))
    login(client, world.operator_email)
    answer = client.get(URL, query_string={"page": page})
    assert answer.status_code == 200
    assert listed(text_of(answer)) == [ref]
