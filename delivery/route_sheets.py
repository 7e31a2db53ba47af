"""Printable PDFs: a round sheet per run, and a packing list per merchant (ReportLab).

A round sheet is what a courier takes along when the phone has no signal: the stops in
order with times, places, phones and parcels, and columns to tick the code checked and to
sign. Delivery codes are never printed. The packing list tells a shop what to prepare, for
which round, and when the courier comes by.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import (  # type: ignore[import-untyped]
    ParagraphStyle,
    getSampleStyleSheet,
)
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from delivery.model import WEEKDAY_LABELS_FR, StopKind, StopStatus
from delivery.queries import PackingItem, PlaceVisit, RunView
from shop_core.money import Money

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip

INK = colors.HexColor("#1b1b1b")
RULE = colors.HexColor("#8a8a8a")
SHADE = colors.HexColor("#ececec")


def date_fr(day: dt.date) -> str:
    """``mardi 24 novembre 2026``; ``mardi 1er décembre 2026`` on the first of the month."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAY_LABELS_FR[day.weekday()]} {number} {MONTHS_FR[day.month - 1]} {day.year}"


def time_fr(moment: dt.datetime | dt.time | None, *, space: str = " ") -> str:
    """``9 h 05``, ``14 h``: as the French write times (and the courier's phone shows them);
    ``–`` for none. The web pages pass a no-break ``space``."""
    if moment is None:
        return "–"
    if moment.minute == 0:
        return f"{moment.hour}{space}h"
    return f"{moment.hour}{space}h{space}{moment.minute:02d}"


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=16, leading=20,
                                alignment=0, spaceAfter=2 * mm, textColor=INK),
        "meta": ParagraphStyle("meta", parent=base["Normal"], fontSize=9.5, leading=12,
                               textColor=INK),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=8.5, leading=10.5,
                               textColor=INK),
        "head": ParagraphStyle("head", parent=base["Normal"], fontSize=8.5, leading=10.5,
                               fontName="Helvetica-Bold", textColor=INK),
    }  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[Any]], widths: Sequence[float], header: int = 1) -> LongTable:
    table = LongTable(rows, colWidths=list(widths), repeatRows=header)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, 0), (-1, header - 1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _footer(label: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(RULE)
        canvas.drawString(12 * mm, 7 * mm, label)
        canvas.drawRightString(doc.pagesize[0] - 12 * mm, 7 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def _euros(cents: int) -> str:
    # The PDF's built-in Helvetica has no narrow no-break space (thousands): a plain one.
    return _escape(Money(cents, "EUR").format_fr().replace("\u202f", " "))


def _action(visit: PlaceVisit) -> str:
    if visit.kind is StopKind.COLLECT:
        return "Collecte"
    if visit.kind is StopKind.TAKE_BACK:
        return "Reprise de colis retournés"
    if visit.kind is StopKind.BRING_BACK:
        return "Colis rendus à la boutique"
    return "Dépôt point de retrait" if visit.at_pickup_point else "Livraison"


def round_sheet_pdf(run: RunView, *, territory_name: str) -> bytes:
    """The round sheet of one run, A4 landscape."""
    styles = _styles()
    cell, head = styles["cell"], styles["head"]
    buffer = io.BytesIO()
    title = f"Feuille de route · {run.round_name} · {date_fr(run.date)}"
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
        topMargin=12 * mm, bottomMargin=14 * mm, title=title, author=territory_name,
    )  # fmt: skip
    story: list[Any] = [Paragraph(_escape(title), styles["title"])]
    parcels = sum(v.parcels for v in run.visits if v.kind is StopKind.COLLECT)
    km = f"{run.distance_m / 1000:.1f}".replace(".", ",")  # « 12,3 km », as French writes it
    meta = (
        f"<b>Livreur :</b> {_escape(run.courier_name or 'à désigner')} &nbsp;&nbsp; "
        f"<b>Départ :</b> {_escape(run.depot_name)}, {time_fr(run.departure)} &nbsp;&nbsp; "
        f"<b>Retour prévu :</b> {time_fr(run.return_time)} &nbsp;&nbsp; "
        f"<b>Distance :</b> {km} km &nbsp;&nbsp; "
        f"<b>Arrêts :</b> {len(run.visits)} &nbsp;&nbsp; <b>Colis à collecter :</b> {parcels}"
    )
    if run.due_cents:
        meta += f" &nbsp;&nbsp; <b>À encaisser aux portes :</b> {_euros(run.due_cents)}"
    story += [Paragraph(meta, styles["meta"]), Spacer(1, 4 * mm)]
    if run.from_depot:
        loads = "<br/>".join(
            _escape(
                f"{item.reference} · {item.merchant} · {item.parcels} colis · "
                + (
                    f"à rendre à la boutique (arrêt {visit.number})"
                    if visit.kind is StopKind.BRING_BACK
                    else f"pour {visit.customer or visit.place_name} (arrêt {visit.number})"
                )
            )
            for visit, item in run.from_depot
        )
        story += [
            Paragraph(f"<b>À prendre au dépôt avant de partir :</b><br/>{loads}", styles["meta"]),
            Spacer(1, 4 * mm),
        ]
    header = ["N°", "Heure", "Action", "Lieu / client", "Adresse", "Téléphone", "Commandes",
              "Colis", "Code vérifié", "Signature"]  # fmt: skip
    rows: list[list[Any]] = [[Paragraph(h, head) for h in header]]
    for visit in run.visits:
        window = ""
        if visit.window:
            window = f"<br/>{time_fr(visit.window[0])} – {time_fr(visit.window[1])}"
        orders = "<br/>".join(
            _escape(f"{i.reference} · {i.parcels} colis")
            if visit.kind.at_shop
            else _escape(f"{i.reference} · {i.merchant} · {i.parcels} colis")
            + (" (annulée)" if i.cancelled else "")
            for i in visit.items
        )
        if visit.due_cents:
            orders += f"<br/><b>À encaisser : {_euros(visit.due_cents)}</b>"
        elif visit.due_cents == 0:
            orders += "<br/>Payée en ligne"
        place = _escape(visit.place_name)
        if visit.instructions:
            place += f"<br/><i>{_escape(visit.instructions)}</i>"
        if visit.status is not StopStatus.TODO:
            place += f"<br/><b>{'Fait' if visit.status is StopStatus.DONE else 'Échec'}</b>"
        address = _escape(visit.address) + (
            " <i>(position approx.)</i>" if visit.approximate else ""
        )
        code_box = "[   ]" if visit.needs_code else ""
        rows.append(
            [
                Paragraph(str(visit.number), cell),
                Paragraph(time_fr(visit.expected) + window, cell),
                Paragraph(_action(visit), cell),
                Paragraph(place, cell),
                Paragraph(address, cell),
                Paragraph(_escape(visit.phone), cell),
                Paragraph(orders, cell),
                Paragraph(str(visit.parcels), cell),
                Paragraph(code_box, cell),
                "",
            ]
        )
    widths = [8, 24, 20, 40, 48, 26, 54, 13, 15, 25]
    story.append(_table(rows, [w * mm for w in widths]))
    if not run.visits:
        story.append(Paragraph("Aucun arrêt prévu sur cette tournée.", styles["meta"]))
    footer = _footer(f"{territory_name} · {run.round_name} · {date_fr(run.date)}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def packing_list_pdf(
    items: Sequence[PackingItem], *, merchant_name: str, date: dt.date, territory_name: str
) -> bytes:
    """What a merchant prepares for ``date``, in the order couriers come by (A4 portrait)."""
    styles = _styles()
    cell, head = styles["cell"], styles["head"]
    buffer = io.BytesIO()
    title = f"À préparer · {merchant_name} · {date_fr(date)}"
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=14 * mm, title=title, author=territory_name,
    )  # fmt: skip
    total = sum(i.parcels for i in items)
    story: list[Any] = [Paragraph(_escape(title), styles["title"])]
    if not items:
        story.append(Paragraph("Rien à préparer pour cette date.", styles["meta"]))
    else:
        story.append(Paragraph(f"{_orders(len(items))}, {total} colis.", styles["meta"]))
    story.append(Spacer(1, 4 * mm))
    header = ["Passage", "Tournée", "Commande", "Pour", "Articles", "Colis", "Prêt"]
    rows: list[list[Any]] = [[Paragraph(h, head) for h in header]]
    for item in items:
        rows.append(
            [
                Paragraph(time_fr(item.expected), cell),
                Paragraph(f"{_escape(item.run_name)}<br/>{_escape(item.courier_name)}", cell),
                Paragraph(_escape(item.reference), cell),
                Paragraph(_escape(item.customer) + "<br/>" + _escape(item.destination), cell),
                Paragraph("<br/>".join(_escape(line) for line in item.lines), cell),
                Paragraph(str(item.parcels), cell),
                Paragraph("[   ]", cell),
            ]
        )
    if items:
        story.append(_table(rows, [w * mm for w in (19, 30, 40, 34, 39, 13, 11)]))
    footer = _footer(f"{territory_name} · {merchant_name} · {date_fr(date)}")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _orders(count: int) -> str:
    return f"{count} commande" if count == 1 else f"{count} commandes"
