"""A merchant's catalogue as a CSV file: the format, read and written without a database.

The format is what a merchant types in a spreadsheet, in French::

    nom;prix;tva;unite;stock;description;categorie;poids_estime_g;perissable
    Pain de campagne;3,50;5,5;pièce;20;Levain naturel;Boulangerie;;oui

- ``nom`` and ``prix`` are required; the other columns may be missing or empty.
- ``prix`` is in euros including VAT ("12,50" or "12.50"); ``tva`` a French rate
  (20, 10, 5,5 or 2,1; 5,5 when empty); ``unite`` a French unit label (pièce when empty).
- ``stock`` empty means the stock is not tracked.
- ``poids_estime_g`` is the estimated weight of one piece of a product sold by weight.
- ``perissable`` (oui/non) marks goods excluded from the right of withdrawal.

Files come as UTF-8 (with or without BOM) or Windows-1252 (Excel on Windows), separated by
``;`` or ``,``. :func:`parse_catalogue` turns the text into rows and per-line errors;
:mod:`shop_core.catalogue.bulk` writes the valid rows to the database in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shop_core.catalogue.model import UNIT_LABELS_FR, Product, Unit
from shop_core.catalogue.search import unaccent
from shop_core.catalogue.services import ProductInput
from shop_core.errors import ValidationError
from shop_core.money import TooManyDecimals, cents_from_euros
from shop_core.spreadsheets import cell, uncell
from shop_core.vat import VatRate

COLUMNS = (
    "nom",
    "prix",
    "tva",
    "unite",
    "stock",
    "description",
    "categorie",
    "poids_estime_g",
    "perissable",
)
REQUIRED = ("nom", "prix")
MAX_ROWS = 20_000

# Header spellings people use, normalised (lower case, no accents, "_" for spaces).
_HEADER_ALIASES = {
    "nom": "nom",
    "nom_du_produit": "nom",
    "produit": "nom",
    "name": "nom",
    "article": "nom",
    "prix": "prix",
    "prix_ttc": "prix",
    "prix_eur": "prix",
    "price": "prix",
    "tarif": "prix",
    "tva": "tva",
    "taux_de_tva": "tva",
    "taux_tva": "tva",
    "vat": "tva",
    "unite": "unite",
    "unit": "unite",
    "stock": "stock",
    "quantite": "stock",
    "description": "description",
    "categorie": "categorie",
    "rayon": "categorie",
    "category": "categorie",
    "poids_estime_g": "poids_estime_g",
    "poids_estime": "poids_estime_g",
    "poids_g": "poids_estime_g",
    "poids": "poids_estime_g",
    "perissable": "perissable",
    "sans_retractation": "perissable",
}

_UNIT_WORDS: dict[str, Unit] = {}
for _unit, _label in UNIT_LABELS_FR.items():
    _UNIT_WORDS[unaccent(_label).replace(" ", "")] = _unit
    _UNIT_WORDS[_unit.value] = _unit
_UNIT_WORDS.update(
    {
        "": Unit.PIECE,
        "pieces": Unit.PIECE,
        "pce": Unit.PIECE,
        "unite": Unit.PIECE,
        "kilo": Unit.KG,
        "kilogramme": Unit.KG,
        "lekg": Unit.KG,
        "l": Unit.LITRE,
        "litres": Unit.LITRE,
        "bottes": Unit.BUNCH,
        "bouquet": Unit.BUNCH,
        "douzaines": Unit.DOZEN,
        "pots": Unit.JAR,
        "bouteilles": Unit.BOTTLE,
        "barquettes": Unit.BOX,
        "boite": Unit.BOX,
    }
)

_YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
_NO = frozenset({"", "non", "n", "no", "faux", "false", "0"})


@dataclass(frozen=True, slots=True)
class LineError:
    """What is wrong on one line of the file (line 1 is the header).

    ``message`` is French; when it is built from values, ``code`` names it and ``params``
    holds those values, for an application to word it in another language (a fixed
    message has no code: its French text is the key).
    """

    line: int
    message: str
    code: str = field(default="", compare=False)
    params: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One valid line: the product fields, and its category by name."""

    line: int
    product: ProductInput
    category: str = ""


@dataclass(slots=True)
class ParsedCatalogue:
    """Valid rows, errors of the other lines, and notes about the file."""

    rows: list[CatalogueRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    """The header's names that are no column of the catalogue (each also in ``warnings``)."""

    @property
    def lines_read(self) -> int:
        return len(self.rows) + len({e.line for e in self.errors if e.line > 1})


def decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (BOM or not), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 takes them rather than failing.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def name_key(name: str) -> str:
    """How product names are matched: case, accents and spacing ignored."""
    return " ".join(unaccent(name).split())


def _header_key(raw: str) -> str:
    text = unaccent(raw).strip().strip("\ufeff")
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _separator(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") >= first.count(",") else ","


def parse_unit(value: str) -> Unit:
    """A unit from its French label ("pièce", "kg", "100 g", "botte"…); ``ValueError``."""
    key = unaccent(value).replace(" ", "").rstrip(".")
    if key in _UNIT_WORDS:
        return _UNIT_WORDS[key]
    raise ValueError(value)


def _parse_bool(value: str) -> bool:
    key = unaccent(value).strip()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(value)


def _parse_int(value: str) -> int | None:
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(value)
    return int(text)


def _row(line: int, cells: dict[str, str]) -> CatalogueRow:
    """Build and validate one row; ``ValidationError`` with a French message otherwise."""
    name = cells.get("nom", "").strip()
    if not name:
        raise ValidationError("le nom du produit est vide.")
    raw_price = cells.get("prix", "").strip()
    if not raw_price:
        raise ValidationError("le prix est vide.")
    try:
        price = cents_from_euros(raw_price)
    except TooManyDecimals:
        raise ValidationError(
            f"prix « {raw_price} » : 2 chiffres après la virgule au plus.",
            code="import_price_decimals",
            value=raw_price,
        ) from None
    except ValueError:
        raise ValidationError(
            f"prix « {raw_price} » illisible (exemple : 12,50).",
            code="import_price_unreadable",
            value=raw_price,
        ) from None
    raw_vat = cells.get("tva", "").strip()
    try:
        vat = VatRate.from_percent(raw_vat) if raw_vat else VatRate.REDUCED
    except ValueError:
        raise ValidationError(
            f"taux de TVA « {raw_vat} » inconnu (20, 10, 5,5 ou 2,1).",
            code="import_vat_unknown",
            value=raw_vat,
        ) from None
    raw_unit = cells.get("unite", "")
    try:
        unit = parse_unit(raw_unit)
    except ValueError:
        labels = ", ".join(UNIT_LABELS_FR.values())
        raise ValidationError(
            f"unité « {raw_unit.strip()} » inconnue ({labels}).",
            code="import_unit_unknown",
            value=raw_unit.strip(),
            units=labels,
        ) from None
    raw_stock = cells.get("stock", "")
    try:
        stock = _parse_int(raw_stock)
    except ValueError:
        raise ValidationError(
            f"stock « {raw_stock.strip()} » : nombre entier attendu.",
            code="import_stock_not_integer",
            value=raw_stock.strip(),
        ) from None
    raw_weight = cells.get("poids_estime_g", "")
    try:
        weight = _parse_int(raw_weight)
    except ValueError:
        raise ValidationError(
            f"poids estimé « {raw_weight.strip()} » : nombre de grammes attendu.",
            code="import_weight_not_integer",
            value=raw_weight.strip(),
        ) from None
    raw_perishable = cells.get("perissable", "")
    try:
        perishable = _parse_bool(raw_perishable)
    except ValueError:
        raise ValidationError(
            f"périssable « {raw_perishable.strip()} » : répondez oui ou non.",
            code="import_perishable_yes_no",
            value=raw_perishable.strip(),
        ) from None
    data = ProductInput(
        name=name,
        price_cents=price,
        vat_rate=vat,
        unit=unit,
        description=cells.get("description", "").strip(),
        estimated_weight_g=weight if unit.grams is not None else None,
        track_stock=stock is not None,
        stock_quantity=stock or 0,
        no_withdrawal=perishable,
    )
    if stock is not None and stock < 0:
        raise ValidationError("le stock ne peut pas être négatif.")
    try:
        data.validate()
    except ValidationError as error:
        message = str(error)
        raise ValidationError(message[:1].lower() + message[1:]) from None
    return CatalogueRow(line=line, product=data, category=cells.get("categorie", "").strip())


def parse_catalogue(text: str) -> ParsedCatalogue:
    """Read a catalogue file's text into valid rows and per-line French errors."""
    result = ParsedCatalogue()
    text = text.lstrip("\ufeff")
    if not text.strip():
        result.errors.append(LineError(1, "Le fichier est vide."))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        header = next(reader)
    except csv.Error:
        result.errors.append(LineError(1, "La première ligne est illisible."))
        return result
    columns: list[str | None] = []
    for raw in header:
        key = _HEADER_ALIASES.get(_header_key(raw))
        if key is None and raw.strip():
            result.warnings.append(f"Colonne « {raw.strip()} » ignorée.")
            result.ignored_columns.append(raw.strip())
        columns.append(key if key not in columns else None)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        # The columns spaced, so that the line wraps on a phone; a header typed so still reads.
        names = {"missing": ", ".join(missing), "columns": "; ".join(COLUMNS)}
        result.errors.append(
            LineError(
                1,
                "Colonnes obligatoires manquantes : {missing}. La première ligne doit nommer "
                "les colonnes : {columns}.".format(**names),
                code="import_missing_columns",
                params=names,
            )
        )
        return result
    seen: dict[str, int] = {}
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            result.errors.append(_unreadable(reader.line_num, error))
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append(
                LineError(
                    line,
                    f"Trop de lignes : {MAX_ROWS} produits au plus par fichier.",
                    code="import_too_many_rows",
                    params={"max": MAX_ROWS},
                )
            )
            break
        cells = {c: uncell(v) for c, v in zip(columns, values, strict=False) if c is not None}
        try:
            row = _row(line, cells)
        except ValidationError as error:
            given = {k: v for k, v in error.params.items() if k not in ("detail", "field")}
            coded = error.code if error.code != ValidationError.code else ""
            result.errors.append(LineError(line, _sentence(str(error)), coded, given))
            continue
        key = name_key(row.product.name)
        if key in seen:
            result.errors.append(
                LineError(
                    line,
                    f"« {row.product.name} » figure déjà ligne {seen[key]}.",
                    code="import_duplicate",
                    params={"product": row.product.name, "first": seen[key]},
                )
            )
            continue
        seen[key] = line
        result.rows.append(row)
    return result


def _unreadable(line: int, error: csv.Error) -> LineError:
    """A line the csv module refused, in French: its own messages are English."""
    if "field larger than field limit" in str(error):
        limit = f"{csv.field_size_limit():,}".replace(",", "\u202f")
        return LineError(
            line,
            f"Ligne illisible : une cellule dépasse {limit} caractères.",
            code="import_cell_too_long",
            params={"limit": csv.field_size_limit()},
        )
    return LineError(line, "Ligne illisible.")


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


# --- export --------------------------------------------------------------------------------


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _percent(rate: VatRate) -> str:
    return f"{rate.percent.normalize():f}".replace(".", ",")


def format_catalogue(products: Iterable[Product]) -> str:
    """The CSV text of ``products`` in the import format (``;``-separated, French); text
    typed by the merchant is kept from being read as a formula (``spreadsheets.cell``),
    and the import takes the apostrophe off again."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in products:
        writer.writerow(
            [
                cell(p.name),
                _euros(p.price_cents),
                _percent(p.vat_rate),
                UNIT_LABELS_FR[p.unit],
                str(p.stock_quantity) if p.track_stock else "",
                cell(p.description),
                cell(p.category.name) if p.category is not None else "",
                str(p.estimated_weight_g) if p.sold_by_weight and p.estimated_weight_g else "",
                "oui" if p.no_withdrawal else "non",
            ]
        )
    return out.getvalue()
