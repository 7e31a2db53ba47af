"""Round sheets, packing lists and exports of a planned day."""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import io
import json
import re
import zlib
from xml.etree import ElementTree as ET

from babel.messages.extract import extract_python
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery import route_sheets
from delivery.exports import stops_csv, stops_geojson_text, stops_gpx
from delivery.model import Stop, StopKind, StopStatus
from delivery.queries import day_runs, packing_list
from delivery.route_sheets import (
    SheetLanguage,
    date_fr,
    packing_list_pdf,
    round_sheet_pdf,
    time_fr,
)
from delivery.stops import AfterFailure, collect, deliver, fail
from shop_core.accounts.model import Role
from shop_core.database import Database
from shop_core.money import Money
from shop_core.orders.model import Order, PaymentMethod, PaymentStatus
from shop_core.spreadsheets import cell
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_user

from .conftest import TUESDAY, Shop
from .delivery_setup import FREVENT, add_fleet, make_ready, order, stops_of_plan
from .test_delivery_stops import CASH, PAULS_DOOR, at, code_of, do, planned

#: A third door in Saint-Pol, beside Jeanne's and Paul's.
MARIES_DOOR = dataclasses.replace(
    PAULS_DOOR, recipient="Marie Dumont", line1="9 rue d'Hesdin", lat=50.3625
)

GPX = "{http://www.topografix.com/GPX/1/1}"


def pdf_text(pdf: bytes) -> str:
    """The text operands of a ReportLab PDF, one string (its page streams are ASCII85 then
    Flate encoded)."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    text = []
    for raw in streams:
        try:
            content = zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue  # not a page stream
        text += re.findall(rb"\((.*?)\) Tj", content)
    unescaped = (re.sub(rb"\\([0-7]{3}|.)", lambda m: _pdf_char(m.group(1)), t) for t in text)
    return " ".join(t.decode("cp1252") for t in unescaped)


def _pdf_char(escaped: bytes) -> bytes:
    # « \351 » is é in the fonts' WinAnsi encoding; « \( » is a parenthesis.
    return bytes([int(escaped, 8)]) if len(escaped) == 3 else escaped


def planned_day(db: Database, shop: Shop) -> list[str]:
    """Three orders planned on Tuesday; their delivery codes."""
    fleet = add_fleet(db, shop)
    ids = [
        order(db, shop, {shop.bread_id: 1, shop.apples_id: 1}),
        order(db, shop, {shop.cake_id: 1}, address=FREVENT, slot="apres-midi"),
        order(db, shop, {shop.bread_id: 2}, point_id=fleet.point_id),
    ]
    planned(db, shop)
    with db.uow() as uow:
        return [uow.session.get_one(Order, oid).delivery_code for oid in ids]


def test_exports_list_every_stop_without_the_delivery_codes(db: Database, shop: Shop) -> None:
    codes = planned_day(db, shop)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = day_runs(uow.session, territory=territory, date=TUESDAY)
    visits = sum(len(run.visits) for run in runs)

    rows = list(csv.DictReader(io.StringIO(stops_csv(runs)), delimiter=";"))
    assert len(rows) == visits
    assert {r["action"] for r in rows} == {"Collecte", "Livraison", "Dépôt en point de retrait"}
    assert rows[0]["tournee"] and rows[0]["heure_prevue"]

    geojson = json.loads(stops_geojson_text(runs))
    assert geojson["type"] == "FeatureCollection"
    points = [f for f in geojson["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == visits
    lon, lat = points[0]["geometry"]["coordinates"]
    assert 50 < lat < 51 and 2 < lon < 3

    gpx = ET.fromstring(stops_gpx(runs))
    assert gpx.tag == f"{GPX}gpx"
    assert len(gpx.findall(f"{GPX}wpt")) == visits
    assert len(gpx.findall(f"{GPX}rte")) == len(runs)

    for text in (stops_csv(runs), stops_geojson_text(runs), stops_gpx(runs)):
        assert not any(f'"{code}"' in text or f";{code};" in text for code in codes)


def test_the_csv_export_keeps_typed_text_from_running_as_a_formula(
    db: Database, shop: Shop
) -> None:
    """A name typed as « =HYPERLINK(…) » would run when a spreadsheet opens the file."""
    planned_day(db, shop)
    with db.uow() as uow:
        stop = uow.session.scalars(select(Stop).where(Stop.kind == StopKind.DELIVER)).first()
        assert stop is not None
        stop.place_name = '=HYPERLINK("http://example.com","Jeanne")'
        uow.commit()
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = day_runs(uow.session, territory=territory, date=TUESDAY)

    rows = list(csv.DictReader(io.StringIO(stops_csv(runs)), delimiter=";"))
    names = [r["lieu"] for r in rows if "HYPERLINK" in r["lieu"]]
    assert names == ['\'=HYPERLINK("http://example.com","Jeanne")']
    assert [cell(t) for t in ("+33 6 12", "-2", "@x", "Jeanne", "")] == [
        "'+33 6 12", "'-2", "'@x", "Jeanne", "",
    ]  # fmt: skip


def test_the_packing_list_names_each_pickup_point_orders_own_customer(
    db: Database, shop: Shop
) -> None:
    """Two shoppers' orders for one pickup point: the list gave both the first one's name
    (that of the point's visit) and the point's address as if it were a home."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        paul = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Paul")
    jeanne_s = order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)
    paul_s = order(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id, user_id=paul)
    planned(db, shop)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        references = {
            uow.session.get_one(Order, oid).merchant_orders[0].reference: name
            for oid, name in ((jeanne_s, "Jeanne Martin"), (paul_s, "Paul Voisin"))
        }
        point = uow.session.get_one(Order, jeanne_s).pickup_point
        assert point is not None
        _, items = packing_list(
            uow.session, territory=territory, date=TUESDAY, merchant_id=shop.baker_id
        )

    assert {i.reference: i.customer for i in items} == references
    where = f"{point.name}, {point.address}, {point.postal_code} {point.city}"
    assert {i.destination for i in items} == {where}


def test_a_round_sheet_and_a_packing_list_are_pdfs(db: Database, shop: Shop) -> None:
    planned_day(db, shop)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = day_runs(uow.session, territory=territory, date=TUESDAY)
        merchant, items = packing_list(
            uow.session, territory=territory, date=TUESDAY, merchant_id=shop.baker_id
        )

    sheet = round_sheet_pdf(runs[0], territory_name=territory.name)
    assert sheet.startswith(b"%PDF")
    text = pdf_text(sheet)
    # Times as the courier's phone writes them (« 9 h 05 »), not 09:05.
    departure = runs[0].departure
    assert departure is not None and time_fr(departure) in text
    assert not re.search(r"\d:\d\d", text)
    # The distance as French writes it (« 12,3 km »; was « 12.3 km »).
    km = f"{runs[0].distance_m / 1000:.1f}".replace(".", ",")
    assert f" {km} km" in text and not re.search(r"\d\.\d km", text)
    assert runs[0].visits[0].place_name in text
    to_collect = sum(
        i.parcels for v in runs[0].visits if v.kind is StopKind.COLLECT for i in v.items
    )
    assert to_collect > 0 and re.search(rf"Colis\s+à\s+collecter\s+:\s+{to_collect}\b", text)
    assert len(items) == 3  # bread, cake, bread: the baker's three merchant orders
    assert {i.parcels for i in items} == {1}
    packing = packing_list_pdf(
        items, merchant_name=merchant.trade_name, date=TUESDAY, territory_name=territory.name
    )
    assert packing.startswith(b"%PDF")
    listed = pdf_text(packing)
    assert "3 commandes, 3 colis." in listed
    assert all(time_fr(i.expected) in listed for i in items)
    nothing = pdf_text(
        packing_list_pdf([], merchant_name="Fleurs", date=TUESDAY, territory_name="Ternois")
    )
    assert "Rien à préparer pour cette date." in nothing
    assert "Passage" not in nothing and "0 commande" not in nothing  # no empty table


def test_times_are_written_as_on_the_couriers_phone() -> None:
    assert time_fr(dt.time(9, 5)) == "9 h 05"
    assert time_fr(dt.datetime(2026, 11, 24, 14, 0)) == "14 h"
    assert time_fr(dt.time(11, 14)) == "11 h 14"
    assert time_fr(None) == "–"


def test_dates_are_written_in_french() -> None:
    assert date_fr(TUESDAY) == "mardi 24 novembre 2026"
    assert date_fr(dt.date(2026, 12, 1)) == "mardi 1er décembre 2026"


def test_the_courier_knows_what_to_take_at_each_door(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    cash = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    card = order(db, shop, {shop.cake_id: 1}, address=FREVENT, slot="apres-midi")
    point = order(db, shop, {shop.bread_id: 2}, point_id=fleet.point_id)
    with db.uow() as uow:  # the cake was paid by card at checkout
        paid = uow.session.get_one(Order, card)
        paid.payment_method, paid.payment_status = PaymentMethod.ONLINE, PaymentStatus.PAID
        uow.commit()
    planned(db, shop)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = day_runs(uow.session, territory=territory, date=TUESDAY)
        owed = uow.session.get_one(Order, cash).total_incl_cents

    doors: dict[int | None, list[int | None]] = {}
    for run in runs:
        for visit in run.visits:
            if visit.kind is StopKind.DELIVER:
                doors.setdefault(visit.order_id, []).append(visit.due_cents)
    assert sum(due or 0 for due in doors[cash]) == owed > 0  # both shops' parts, at the door
    assert doors[card] == [0]  # paid online: nothing to take
    assert doors[point] == [None]  # the pickup point's staff deals with the shopper
    assert sum(run.due_cents for run in runs) == owed

    sheets = " ".join(pdf_text(round_sheet_pdf(r, territory_name=territory.name)) for r in runs)
    # (the PDF's text has a plain space where the amount has a no-break one)
    amounts = [Money(due, "EUR").format_fr().replace("\u00a0", " ") for due in doors[cash] if due]
    assert amounts and all(f"À encaisser : {amount}" in sheets for amount in amounts)
    assert "Payée en ligne" in sheets


def _amount(cents: int) -> str:
    # (the PDF's text has a plain space where the amount has a no-break one)
    return Money(cents, "EUR").format_fr().replace("\u00a0", " ")


def test_a_sheet_printed_during_the_round_asks_only_what_is_still_to_take(
    db: Database, shop: Shop
) -> None:
    """Jeanne paid her loaf in cash at her door; Paul has still to pay his two. Printed
    then, the sheet said « À encaisser » at Jeanne's door too, and counted her money in the
    total still to take at the doors."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        paul = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Paul")
    jeannes = order(db, shop, {shop.bread_id: 1})
    pauls = order(db, shop, {shop.bread_id: 2}, user_id=paul, address=PAULS_DOOR)
    for oid in (jeannes, pauls):
        make_ready(db, oid)
    with db.uow() as uow:  # both paid at the door
        jeannes_due, pauls_due = (
            uow.session.get_one(Order, oid).total_incl_cents for oid in (jeannes, pauls)
        )
    planned(db, shop)
    plan = stops_of_plan(db, shop.territory_id)
    assert len({s.run_id for s in plan}) == 1  # one run: the baker, then both doors
    pickup = next(s for s in plan if s.kind.at_shop)
    drop = next(s for s in plan if s.merchant_order.order_id == jeannes and not s.kind.at_shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(deliver, db, shop, fleet, drop, code=code_of(db, jeannes), means=CASH, now=at(9, 30))

    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        (run,) = (r for r in day_runs(uow.session, territory=territory, date=TUESDAY) if r.visits)
    assert run.due_cents == jeannes_due + pauls_due  # the run's doors, in all
    assert run.still_due_cents == pauls_due
    text = pdf_text(round_sheet_pdf(run, territory_name=territory.name))

    assert f"À encaisser : {_amount(pauls_due)}" in text
    assert f"À encaisser : {_amount(jeannes_due)}" not in text
    assert "Payée" in text and "Payée en ligne" not in text
    assert re.search(r"Colis\s+à\s+collecter\s+:\s+0\b", text)  # the baker's 3 taken
    total = re.search(r"À\s+encaisser\s+aux\s+portes\s+:\s+(\S+ €)", text)
    assert total is not None and total[1] == _amount(pauls_due)


def test_a_sheet_printed_during_the_round_shows_the_codes_checked_at_the_doors_done(
    db: Database, shop: Shop
) -> None:
    """Jeanne had her loaf against her code; Paul was not home; Marie's is still to hand
    over. Printed then, every door showed « Code vérifié [ ] » to tick."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        paul = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Paul")
        marie = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Marie")
    jeannes = order(db, shop, {shop.bread_id: 1})
    pauls = order(db, shop, {shop.bread_id: 2}, user_id=paul, address=PAULS_DOOR)
    maries = order(db, shop, {shop.bread_id: 1}, user_id=marie, address=MARIES_DOOR)
    for oid in (jeannes, pauls, maries):
        make_ready(db, oid)
    planned(db, shop)
    plan = stops_of_plan(db, shop.territory_id)
    pickup = next(s for s in plan if s.kind.at_shop)
    doors = {s.merchant_order.order_id: s for s in plan if s.kind is StopKind.DELIVER}
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(deliver, db, shop, fleet, doors[jeannes], code=code_of(db, jeannes), means=CASH,
       now=at(9, 30))  # fmt: skip
    do(fail, db, shop, fleet, doors[pauls], reason="Absent", then=AfterFailure.NEXT_ROUND,
       now=at(9, 45))  # fmt: skip

    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        (run,) = (r for r in day_runs(uow.session, territory=territory, date=TUESDAY) if r.visits)
    text = pdf_text(round_sheet_pdf(run, territory_name=territory.name))

    boxes = re.findall(r"\[\s*(X?)\s*\]", text)
    assert sorted(boxes) == ["", "X"]  # Jeanne's ticked, Marie's to tick, none at Paul's
    rows = {v.customer: v for v in run.visits if v.kind is StopKind.DELIVER}
    assert [rows[name].status for name in ("Jeanne Martin", "Paul Voisin", "Marie Dumont")] == [
        StopStatus.DONE, StopStatus.FAILED, StopStatus.TODO,
    ]  # fmt: skip


def test_a_round_sheet_with_no_stop_says_there_is_nothing_to_do_that_day(
    db: Database, shop: Shop
) -> None:
    """A plan gives each round a run, with no stop when nothing goes its way: its sheet
    read « Départ : Dépôt…, – » and « Retour prévu : – » above an empty table."""
    planned_day(db, shop)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        run = day_runs(uow.session, territory=territory, date=TUESDAY)[0]
    empty = dataclasses.replace(run, visits=(), departure=None, return_time=None, distance_m=0)

    text = pdf_text(round_sheet_pdf(empty, territory_name=territory.name))
    english = pdf_text(round_sheet_pdf(empty, territory_name="Ternois", language=IN_ENGLISH))

    assert "Rien à faire ce jour-là sur cette tournée : aucun arrêt n'est prévu." in text
    assert re.search(rf"Livreur\s+:\s+{run.courier_name}", text)
    for nothing in ("Départ", "Retour", "–", "Distance", "Arrêts", "Colis", "N°", "Signature"):
        assert nothing not in text, nothing
    assert "Nothing to do on this round that day: no stops are planned." in english


ENGLISH = {
    "Feuille de route · %(round)s · %(date)s": "Route sheet · %(round)s · %(date)s",
    "Livreur :": "Courier:",
    "à désigner": "to be assigned",
    "Départ :": "Departure:",
    "Retour prévu :": "Expected back:",
    "Distance :": "Distance:",
    "Arrêts :": "Stops:",
    "Colis à collecter :": "Parcels to pick up:",
    "À encaisser aux portes :": "To collect at the doors:",
    "À prendre au dépôt avant de partir :": "To load at the depot before leaving:",
    "à rendre à la boutique (arrêt %(number)s)": "to give back to the shop (stop %(number)s)",
    "pour %(name)s (arrêt %(number)s)": "for %(name)s (stop %(number)s)",
    "N°": "No.",
    "Heure": "Time",
    "Action": "Action",
    "Lieu / client": "Place / customer",
    "Adresse": "Address",
    "Téléphone": "Phone",
    "Commandes": "Orders",
    "Colis": "Parcels",
    "Code vérifié": "Code checked",
    "Signature": "Signature",
    "(annulée)": "(cancelled)",
    "À encaisser : %(amount)s": "To collect: %(amount)s",
    "Payée en ligne": "Paid online",
    "Payée": "Paid",
    "(position approx.)": "(approx. position)",
    "Fait": "Done",
    "Échec": "Failed",
    "Collecte": "Collection",
    "Reprise de colis retournés": "Take back returned parcels",
    "Colis rendus à la boutique": "Returned parcels back to the shop",
    "Dépôt point de retrait": "Drop-off at the pickup point",
    "Livraison": "Delivery",
    "Rien à faire ce jour-là sur cette tournée : aucun arrêt n'est prévu.": (
        "Nothing to do on this round that day: no stops are planned."
    ),
    "Page %(page)s": "Page %(page)s",
    "À préparer · %(merchant)s · %(date)s": "To prepare · %(merchant)s · %(date)s",
    "Rien à préparer pour cette date.": "Nothing to prepare for this date.",
    "Passage": "Collected at",
    "Tournée": "Round",
    "Commande": "Order",
    "Pour": "For",
    "Articles": "Items",
    "Prêt": "Ready",
}
ENGLISH_PLURALS = {
    "%(num)s colis": ("%(num)s parcel", "%(num)s parcels"),
    "%(num)s commande": ("%(num)s order", "%(num)s orders"),
}


class English:
    """An English catalogue of the sheets' texts: a text it does not hold fails the test
    (the sheet would show it in French). It notes the texts asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def gettext(self, message: str, /) -> str:
        self.asked.add(message)
        return ENGLISH[message]

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        self.asked.add(singular)
        return ENGLISH_PLURALS[singular][0 if n == 1 else 1]


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
IN_ENGLISH = SheetLanguage(
    translations=English(),
    date=lambda day: f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}",
    time=lambda moment: f"{moment:%H:%M}",
    money=lambda cents: f"€{cents // 100}.{cents % 100:02d}",
    decimal=lambda number: f"{number:.1f}",
)


def test_a_round_sheet_and_a_packing_list_read_in_the_callers_language(
    db: Database, shop: Shop
) -> None:
    catalogue = English()
    in_english = dataclasses.replace(IN_ENGLISH, translations=catalogue)
    planned_day(db, shop)  # a door paid on delivery, another in Frévent, a pickup point
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = day_runs(uow.session, territory=territory, date=TUESDAY)
        merchant, items = packing_list(
            uow.session, territory=territory, date=TUESDAY, merchant_id=shop.baker_id
        )
    run = next(r for r in runs if r.still_due_cents)  # a door paid on delivery
    assert run.departure is not None

    sheet = pdf_text(round_sheet_pdf(run, territory_name="Ternois", language=in_english))

    assert f"Route sheet · {run.round_name} · Tuesday 24 November 2026" in sheet
    assert f"Departure:  {run.depot_name}, {run.departure:%H:%M}" in sheet
    assert f" {run.distance_m / 1000:.1f} km" in sheet  # « 3.6 km », not « 3,6 km »
    due = f"€{run.still_due_cents // 100}.{run.still_due_cents % 100:02d}"
    assert re.search(r"To\s+collect\s+at\s+the\s+doors:\s+" + re.escape(due), sheet)
    for english in ("Courier:", "Time", "Collection", "Delivery", "1 parcel", "Page 1"):
        assert english in sheet, english
    for french in ("Feuille", "Livreur", "Heure", "Collecte", "colis", "encaisser", "mardi"):
        assert french not in sheet, french
    assert not re.search(r"\d h", sheet) and not re.search(r"\d,\d", sheet)

    packing = pdf_text(
        packing_list_pdf(
            items,
            merchant_name=merchant.trade_name,
            date=TUESDAY,
            territory_name="Ternois",
            language=in_english,
        )  # fmt: skip
    )
    assert f"To prepare · {merchant.trade_name} · Tuesday 24 November 2026" in packing
    assert "3 orders, 3 parcels." in packing and "Collected at" in packing
    assert "commande" not in packing and "Passage" not in packing
    nothing = packing_list_pdf(
        [], merchant_name="Fleurs", date=TUESDAY, territory_name="Ternois", language=in_english
    )
    assert "Nothing to prepare for this date." in pdf_text(nothing)
    # Every text asked for is one Babel extracts for the app's catalogue (not one called
    # inside an f-string, which it skips).
    with open(route_sheets.__file__, "rb") as source:
        found = extract_python(source, ("_", "gettext", "ngettext"), [], {})
        ids = (m[0] if isinstance(m, tuple) else m for _, _, m, _ in found)
        extracted = {text for text in ids if text}  # (not the calls of a variable)
    assert catalogue.asked and catalogue.asked <= extracted
