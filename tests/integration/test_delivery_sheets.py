"""Round sheets, packing lists and exports of a planned day."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import zlib
from xml.etree import ElementTree as ET

from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.exports import stops_csv, stops_geojson_text, stops_gpx
from delivery.model import Stop, StopKind
from delivery.queries import day_runs, packing_list
from delivery.route_sheets import date_fr, packing_list_pdf, round_sheet_pdf, time_fr
from shop_core.database import Database
from shop_core.money import Money
from shop_core.orders.model import Order, PaymentMethod, PaymentStatus
from shop_core.spreadsheets import cell
from shop_core.territories.model import Territory

from .conftest import TUESDAY, Shop
from .delivery_setup import FREVENT, add_fleet, order
from .test_delivery_stops import planned

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
