"""Printable PDFs: a round sheet per run, and a packing list per merchant (ReportLab).

A round sheet is what a courier takes along when the phone has no signal: the stops in
order with times, places, phones and parcels, and columns to tick the code checked and to
sign. Delivery codes are never printed. The packing list tells a shop what to prepare, for
which round, and when the courier comes by.

Both read French unless the caller passes a :class:`SheetLanguage`: the sheets' French texts
are message ids, looked up in the caller's gettext translations, and the caller says how
its reader writes dates, times, amounts and numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

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

from delivery.model import StopKind, StopStatus, date_fr
from delivery.queries import PackingItem, PlaceVisit, RunView
from shop_core.money import Money

INK = colors.HexColor("#1b1b1b")
RULE = colors.HexColor("#8a8a8a")
SHADE = colors.HexColor("#ececec")


def time_fr(moment: dt.datetime | dt.time | None, *, space: str = " ") -> str:
    """``9 h 05``, ``14 h``: as the French write times (and the courier's phone shows them);
    ``–`` for none. The web pages pass a no-break ``space``."""
    if moment is None:
        return "–"
    if moment.minute == 0:
        return f"{moment.hour}{space}h"
    return f"{moment.hour}{space}h{space}{moment.minute:02d}"


class Translations(Protocol):
    """The gettext lookups a sheet needs (``gettext.NullTranslations``, Babel's
    ``Translations``): a French message id in, the reader's text out."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


class FrenchTexts:
    """The sheets' own texts: the French message ids, with French plurals (« 1 commande »,
    « 2 commandes »; 0 takes the singular in French)."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        return singular if n <= 1 else plural


def euros_fr(cents: int) -> str:
    """``1 234,50 €``."""
    return Money(cents, "EUR").format_fr()


def decimal_fr(number: float) -> str:
    """``150,1``: one decimal, a comma."""
    return f"{number:.1f}".replace(".", ",")


@dataclass(frozen=True)
class SheetLanguage:
    """How a sheet reads: its texts, and how it writes a date, a time of day, an amount
    (cents) and a distance in kilometres. The defaults are the French the sheets always
    had; an app with readers of other languages passes the reader's (its translations, its
    date and number formats) so that the sheet reads like its pages."""

    translations: Translations = FrenchTexts()
    date: Callable[[dt.date], str] = date_fr
    time: Callable[[dt.datetime], str] = time_fr
    money: Callable[[int], str] = euros_fr
    decimal: Callable[[float], str] = decimal_fr


FRENCH = SheetLanguage()


class _Words:
    """A sheet's texts in its language, as plain text ready for the PDF's built-in
    Helvetica, which has no narrow no-break space (French thousands, English « 2:05 PM »):
    a plain one stands for it. Babel extracts the message ids from the calls of
    ``gettext`` (``_``) and ``ngettext``, but not from inside an f-string."""

    def __init__(self, language: SheetLanguage) -> None:
        self.language = language

    def gettext(self, message: str, **params: object) -> str:
        """``message`` (a French message id) in the sheet's language, ``params`` put in."""
        text = self.language.translations.gettext(message)
        return _printable(text % params if params else text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form for ``n``, ``n`` put in (``%(num)s``)."""
        return _printable(self.language.translations.ngettext(singular, plural, n) % {"num": n})

    def parcels(self, n: int) -> str:
        return self.ngettext("%(num)s colis", "%(num)s colis", n)

    def date(self, day: dt.date) -> str:
        return _printable(self.language.date(day))

    def time(self, moment: dt.datetime | None) -> str:
        return "–" if moment is None else _printable(self.language.time(moment))

    def money(self, cents: int) -> str:
        return _printable(self.language.money(cents))

    def km(self, metres: int) -> str:
        return _printable(f"{self.language.decimal(metres / 1000)} km")


def _printable(text: str) -> str:
    return text.replace("\u202f", " ")


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


def _footer(label: str, words: _Words) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(RULE)
        canvas.drawString(12 * mm, 7 * mm, label)
        page = words.gettext("Page %(page)s", page=doc.page)
        canvas.drawRightString(doc.pagesize[0] - 12 * mm, 7 * mm, page)
        canvas.restoreState()

    return draw


def _labelled(label: str, value: str) -> str:
    """« <b>Livreur :</b> Marc » of a sheet's header, as markup; a label never breaks
    across two lines (« À encaisser / aux portes : »)."""
    return f"<b>{_escape(label).replace(' ', '&nbsp;')}</b> {_escape(value)}"


def _action(visit: PlaceVisit, words: _Words) -> str:
    _ = words.gettext
    if visit.kind is StopKind.COLLECT:
        return _("Collecte")
    if visit.kind is StopKind.TAKE_BACK:
        return _("Reprise de colis retournés")
    if visit.kind is StopKind.BRING_BACK:
        return _("Colis rendus à la boutique")
    return _("Dépôt point de retrait") if visit.at_pickup_point else _("Livraison")


def _payment(visit: PlaceVisit, words: _Words) -> str:
    """What the courier takes at this door when the sheet is printed, as markup."""
    _ = words.gettext
    still_due = visit.still_due_cents
    if still_due:
        to_take = _("À encaisser : %(amount)s", amount=words.money(still_due))
        return f"<b>{_escape(to_take)}</b>"
    if visit.due_cents is None:  # no money at this stop
        return ""
    # Nothing left to take: paid online, or by hand at this door already.
    return _escape(_("Payée en ligne") if visit.due_cents == 0 else _("Payée"))


def _code_box(visit: PlaceVisit) -> str:
    """The « Code vérifié » box of a door, as markup: to tick while the parcels are to hand
    over, ticked once they are (only against the shopper's code, ``delivery.stops.deliver``),
    none after a failure; no box where no code is asked."""
    if not visit.needs_code or visit.status is StopStatus.FAILED:
        return ""
    if visit.status is StopStatus.DONE:
        return "[&nbsp;X&nbsp;]"
    return "[&nbsp;&nbsp;&nbsp;&nbsp;]"


def _from_depot(run: RunView, words: _Words) -> str:
    """What to load at the depot, one line each, as markup."""
    _ = words.gettext
    lines = []
    for visit, item in run.from_depot:
        if visit.kind is StopKind.BRING_BACK:
            where = _("à rendre à la boutique (arrêt %(number)s)", number=visit.number)
        else:
            name = visit.customer or visit.place_name
            where = _("pour %(name)s (arrêt %(number)s)", name=name, number=visit.number)
        parts = (item.reference, item.merchant, words.parcels(item.parcels), where)
        lines.append(_escape(" · ".join(parts)))
    return "<br/>".join(lines)


def round_sheet_pdf(
    run: RunView, *, territory_name: str, language: SheetLanguage = FRENCH
) -> bytes:
    """The round sheet of one run, A4 landscape, as things stand when it is printed: what
    was handed over and paid since the planning is no longer to take."""
    words = _Words(language)
    _ = words.gettext
    styles = _styles()
    cell, head = styles["cell"], styles["head"]
    buffer = io.BytesIO()
    day = words.date(run.date)
    title = _("Feuille de route · %(round)s · %(date)s", round=run.round_name, date=day)
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
        topMargin=12 * mm, bottomMargin=14 * mm, title=title, author=territory_name,
    )  # fmt: skip
    story: list[Any] = [Paragraph(_escape(title), styles["title"])]
    footer = _footer(f"{territory_name} · {run.round_name} · {day}", words)
    courier = _labelled(_("Livreur :"), run.courier_name or _("à désigner"))
    if not run.visits:
        # A plan gives each round a run, with no stop when nothing goes its way: no time,
        # no distance, no table, but a day off to say.
        nothing = _("Rien à faire ce jour-là sur cette tournée : aucun arrêt n'est prévu.")
        story += [
            Paragraph(courier, styles["meta"]),
            Spacer(1, 6 * mm),
            Paragraph(_escape(nothing), styles["title"]),
        ]
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()
    parcels = run.parcels_to_collect  # less those taken since, on a sheet printed on the way
    departure = f"{run.depot_name}, {words.time(run.departure)}"
    meta = [
        courier,
        _labelled(_("Départ :"), departure),
        _labelled(_("Retour prévu :"), words.time(run.return_time)),
        _labelled(_("Distance :"), words.km(run.distance_m)),
        _labelled(_("Arrêts :"), str(len(run.visits))),
        _labelled(_("Colis à collecter :"), str(parcels)),
    ]
    if run.still_due_cents:  # less what was taken already, on a sheet printed on the way
        meta.append(_labelled(_("À encaisser aux portes :"), words.money(run.still_due_cents)))
    story += [Paragraph(" &nbsp;&nbsp; ".join(meta), styles["meta"]), Spacer(1, 4 * mm)]
    if run.from_depot:
        loads = _escape(_("À prendre au dépôt avant de partir :"))
        story += [
            Paragraph(f"<b>{loads}</b><br/>{_from_depot(run, words)}", styles["meta"]),
            Spacer(1, 4 * mm),
        ]
    header = [
        _("N°"), _("Heure"), _("Action"), _("Lieu / client"), _("Adresse"), _("Téléphone"),
        _("Commandes"), _("Colis"), _("Code vérifié"), _("Signature"),
    ]  # fmt: skip
    rows: list[list[Any]] = [[Paragraph(_escape(h), head) for h in header]]
    cancelled = " " + _("(annulée)")
    for visit in run.visits:
        window = ""
        if visit.window:
            start, end = (_escape(words.time(moment)) for moment in visit.window)
            window = f"<br/>{start} – {end}"
        orders = "<br/>".join(
            _escape(f"{i.reference} · {words.parcels(i.parcels)}")
            if visit.kind.at_shop
            else _escape(f"{i.reference} · {i.merchant} · {words.parcels(i.parcels)}")
            + (_escape(cancelled) if i.cancelled else "")
            for i in visit.items
        )
        payment = _payment(visit, words)
        if payment:
            orders += f"<br/>{payment}"
        place = _escape(visit.place_name)
        if visit.instructions:
            place += f"<br/><i>{_escape(visit.instructions)}</i>"
        if visit.status is not StopStatus.TODO:
            status = _("Fait") if visit.status is StopStatus.DONE else _("Échec")
            place += f"<br/><b>{_escape(status)}</b>"
        address = _escape(visit.address)
        if visit.approximate:
            approximate = _("(position approx.)")
            address += f" <i>{_escape(approximate)}</i>"
        code_box = _code_box(visit)
        rows.append(
            [
                Paragraph(str(visit.number), cell),
                Paragraph(_escape(words.time(visit.expected)) + window, cell),
                Paragraph(_escape(_action(visit, words)), cell),
                Paragraph(place, cell),
                Paragraph(address, cell),
                Paragraph(_escape(visit.phone), cell),
                Paragraph(orders, cell),
                Paragraph(str(visit.parcels), cell),
                Paragraph(code_box, cell),
                "",
            ]
        )
    # Wide enough for each heading's longest word in English too (« No. », « Parcels »).
    widths = [10, 24, 20, 40, 43, 26, 52, 15, 18, 25]
    story.append(_table(rows, [w * mm for w in widths]))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def packing_list_pdf(
    items: Sequence[PackingItem],
    *,
    merchant_name: str,
    date: dt.date,
    territory_name: str,
    language: SheetLanguage = FRENCH,
) -> bytes:
    """What a merchant prepares for ``date``, in the order couriers come by (A4 portrait)."""
    words = _Words(language)
    _ = words.gettext
    styles = _styles()
    cell, head = styles["cell"], styles["head"]
    buffer = io.BytesIO()
    day = words.date(date)
    title = _("À préparer · %(merchant)s · %(date)s", merchant=merchant_name, date=day)
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=14 * mm, title=title, author=territory_name,
    )  # fmt: skip
    total = sum(i.parcels for i in items)
    story: list[Any] = [Paragraph(_escape(title), styles["title"])]
    if not items:
        story.append(Paragraph(_escape(_("Rien à préparer pour cette date.")), styles["meta"]))
    else:
        orders = words.ngettext("%(num)s commande", "%(num)s commandes", len(items))
        story.append(Paragraph(_escape(f"{orders}, {words.parcels(total)}."), styles["meta"]))
    story.append(Spacer(1, 4 * mm))
    header = [
        _("Passage"), _("Tournée"), _("Commande"), _("Pour"), _("Articles"), _("Colis"),
        _("Prêt"),
    ]  # fmt: skip
    rows: list[list[Any]] = [[Paragraph(_escape(h), head) for h in header]]
    for item in items:
        rows.append(
            [
                Paragraph(_escape(words.time(item.expected)), cell),
                Paragraph(f"{_escape(item.run_name)}<br/>{_escape(item.courier_name)}", cell),
                Paragraph(_escape(item.reference), cell),
                Paragraph(_escape(item.customer) + "<br/>" + _escape(item.destination), cell),
                Paragraph("<br/>".join(_escape(line) for line in item.lines), cell),
                Paragraph(str(item.parcels), cell),
                Paragraph("[&nbsp;&nbsp;&nbsp;&nbsp;]", cell),
            ]
        )
    if items:
        story.append(_table(rows, [w * mm for w in (19, 30, 38, 32, 38, 15, 14)]))
    footer = _footer(f"{territory_name} · {merchant_name} · {day}", words)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
