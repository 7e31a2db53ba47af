"""Every fixed French message the core raises has its English translation.

`reference_app.domain_messages.shown` words a core error on an English page by looking its
French text up in the catalogue; a message missing there shows in French. This test reads
`shop_core` and `delivery` with `ast`, collects the messages given as plain text to their
errors, and checks that each one is marked for extraction in `reference_app` (so that
`make translations` keeps it) and translated in the English catalogue. Messages built from
values (f-strings) are not collected: they are worded again from the error's ``code`` and
``params`` (`domain_messages._with_params`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from flask import Flask

import delivery
import reference_app
import shop_core
from reference_app.domain_messages import (
    ACCOUNT_MESSAGES,
    CATALOGUE_MESSAGES,
    MERCHANT_MESSAGES,
    PAYMENT_MESSAGES,
    TERRITORY_MESSAGES,
    shown,
    shown_line,
    shown_weights,
)
from shop_core.accounts.profile import AddressInput
from shop_core.catalogue.csv_import import parse_catalogue
from shop_core.errors import InvalidDeliveryChoice, ValidationError
from shop_core.merchants.services import PresentationInput
from shop_core.orders.preparation import WeightsRefused

CORE = [Path(shop_core.__file__).parent, Path(delivery.__file__).parent]

#: Errors of the core that are not `DomainError`s but whose message is shown to a person:
#: a catalogue file's line errors (`shop_core.catalogue.csv_import.LineError(line, message)`).
SHOWN_NON_DOMAIN = {"LineError": 1}

#: Plain-text messages of the core's errors that no page shows: they are logged or tell a
#: developer what went wrong, and are English on purpose.
NEVER_SHOWN = {
    # `delivery.osrm.OsrmError`: the distance provider failed; the planning job records
    # its own French outcome (`delivery.planning_jobs`) and logs this one.
    "OSRM answered a table of the wrong size",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _trees() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(), filename=str(path))
        for root in CORE
        for path in sorted(root.rglob("*.py"))
    }


def _domain_errors(trees: dict[Path, ast.Module]) -> set[str]:
    """The names of `DomainError` and of the core's classes that inherit from it."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = {_name(base) for base in node.bases}
                bases.setdefault(node.name, set()).update(n for n in names if n)
    found = {"DomainError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level text constants (``VISIT_CHANGED = "..."``), by name: some errors are
    raised with one, from their module or another (``phones.INVALID_PHONE``)."""
    constants = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        constants[target.id] = node.value.value
    return constants


def _texts(node: ast.expr, constants: dict[str, str]) -> Iterator[str]:
    """The plain texts ``node`` can be: a literal, a constant, either branch of an ``if``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body, constants)
        yield from _texts(node.orelse, constants)
    elif isinstance(node, ast.Name | ast.Attribute) and _name(node) in constants:
        yield constants[_name(node) or ""]


def core_messages() -> dict[str, str]:
    """Each fixed message given to an error in the core, with where it is raised."""
    trees = _trees()
    errors = _domain_errors(trees)
    constants = _constants(trees)
    found: dict[str, str] = {}
    for path, tree in trees.items():
        where = path.relative_to(CORE[0].parent)
        for node in ast.walk(tree):
            arguments: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in errors:
                    arguments = [*node.args[:1]]
                elif name in SHOWN_NON_DOMAIN:
                    arguments = [*node.args[SHOWN_NON_DOMAIN[name] :][:1]]
                if name in errors or name in SHOWN_NON_DOMAIN:
                    arguments += [k.value for k in node.keywords if k.arg in ("detail", "message")]
            elif isinstance(node, ast.ClassDef) and node.name in errors:
                # A class's fixed ``template`` is its message when raised without one.
                arguments = [
                    statement.value
                    for statement in node.body
                    if isinstance(statement, ast.Assign)
                    and any(_name(t) == "template" for t in statement.targets)
                ]
            for argument in arguments:
                for text in _texts(argument, constants):
                    if "{" in text:  # a template formatted with the error's params
                        continue
                    if path.name == "csv_import.py":
                        # A catalogue file's row errors are written in lower case and shown
                        # as sentences (`csv_import._sentence`).
                        text = text[:1].upper() + text[1:]
                    found.setdefault(text, f"{where}:{getattr(node, 'lineno', 0)}")
    return found


def _marked_in_the_app() -> set[str]:
    """The texts `make translations` extracts from the app's Python files (its ``-k _l``
    too: WTForms messages)."""
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    marked: set[str] = set()
    for path in Path(reference_app.__file__).parent.rglob("*.py"):
        for _line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=keywords
        ):
            marked.update([message] if isinstance(message, str) else message)
    return marked


def _listed(messages: dict[str, str]) -> str:
    return "\n".join(f"{where}: {text}" for text, where in sorted(messages.items()))


def test_the_scan_finds_the_cores_messages() -> None:
    # Without this, a scan broken by a refactoring would find nothing and pass.
    found = core_messages()
    assert len(found) > 100
    assert "Numéro SIREN invalide (9 chiffres)." in found  # a literal
    assert "Cette livraison est déjà enregistrée." in found  # one branch of an ``if``
    assert "Le fichier est vide." in found  # a catalogue file's line error
    assert "Le nom du produit est vide." in found  # a row error, as a sentence


def test_every_fixed_core_message_is_marked_for_the_catalogue() -> None:
    # A message no `N_()` in the app marks would leave the catalogue at the next
    # `make translations`, and show in French on English pages.
    marked = _marked_in_the_app()
    missing = {
        text: where
        for text, where in core_messages().items()
        if text not in marked and text not in NEVER_SHOWN
    }
    assert not missing, "add them to reference_app/domain_messages.py:\n" + _listed(missing)


def test_each_catalogued_message_is_still_one_the_core_raises() -> None:
    # A message the core rewords would leave a stale entry here, and the new one French.
    found = core_messages()
    sources = "\n".join(path.read_text() for root in CORE for path in root.rglob("*.py"))
    found.update(dict.fromkeys(re.findall(r'"([^"\n]+)"', re.sub(r'"\s+"', "", sources)), ""))
    for message in (
        CATALOGUE_MESSAGES + MERCHANT_MESSAGES + PAYMENT_MESSAGES + TERRITORY_MESSAGES
        + ACCOUNT_MESSAGES
    ):  # fmt: skip
        assert message in found, message


def test_every_fixed_core_message_has_an_english_translation() -> None:
    po = Path(reference_app.__file__).parent / "translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as file:
        catalogue = read_po(file)
    untranslated = {}
    for text, where in core_messages().items():
        message = catalogue.get(text)
        if text not in NEVER_SHOWN and (message is None or not message.string or message.fuzzy):
            untranslated[text] = where
    assert not untranslated, "run `make translations` and translate:\n" + _listed(untranslated)


def test_core_messages_built_from_values_are_worded_in_english(app: Flask) -> None:
    # Their French text holds values, so no catalogue entry matches it: the app words them
    # again from the error's code and params. French pages keep the core's text.
    with pytest.raises(ValidationError) as long:
        PresentationInput(description="a" * 2500).validate()
    assert long.value.params == {
        "detail": str(long.value), "field": "description", "max": 2000, "length": 2500
    }  # fmt: skip
    overlap = ValidationError(
        "Ces jours chevauchent la fermeture du 09/12/2026 au 11/12/2026 : supprimez-la "
        "d'abord, ou choisissez d'autres jours.",
        field="starts",
        code="closure_overlaps",
        starts="2026-12-09",
        ends="2026-12-11",
    )
    weights = WeightsRefused(
        {7: "0 g est hors tolérance pour « Terrine » : entre 170 g et 230 g.", 8: "Pesez…"},
        "Indiquez un nombre de colis entre 1 et 20.",
        lines={
            7: {
                "what": "out_of_tolerance",
                "product": "Terrine",
                "weight": 0,
                "low": 170,
                "high": 230,
            },
            8: {"what": "unweighed", "product": "Rôti", "low": 850, "high": 1150},
        },
        max_parcels=20,
    )
    errors = [long.value, overlap]
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert [shown(error) for error in errors] == [str(error) for error in errors]
        assert shown_weights(weights) == (weights.by_line, weights.parcels)
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert [shown(error) for error in errors] == [
            "The presentation is too long: 2,000 characters at most (it has 2,500).",
            "These days overlap the closure from 9 December 2026 to 11 December 2026: delete "
            "it first, or choose other days.",
        ]
        assert shown_weights(weights) == (
            {
                7: "0 g is outside the tolerance for “Terrine”: between 170 g and 230 g.",
                8: "Weigh “Rôti” (850 to 1150 g).",
            },
            "Enter a number of parcels between 1 and 20.",
        )


def test_a_catalogue_files_line_errors_are_worded_in_english(app: Flask) -> None:
    # The file stays French (its columns, units, « oui »): the values quoted from it too.
    parsed = parse_catalogue(
        "nom;prix;tva;perissable\n"
        ";3,00\n"
        "Pain;abc\n"
        "Brioche;4,00;7\n"
        "Confiture;8,00;5,5;peut-être\n"
        "Miel;8,00\n"
        "Miel;9,00\n"
    )
    assert [(e.line, e.code) for e in parsed.errors] == [
        (2, ""),
        (3, "import_price_unreadable"),
        (4, "import_vat_unknown"),
        (5, "import_perishable_yes_no"),
        (7, "import_duplicate"),
    ]
    (columns,) = parse_catalogue("quoi;combien\nPain;3\n").errors
    errors = [*parsed.errors, columns]
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert [shown_line(e) for e in errors] == [e.message for e in errors]
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert [shown_line(e) for e in errors] == [
            "The product name is empty.",
            "Price “abc” unreadable (example: 12.50).",
            "Unknown VAT rate “7” (20, 10, 5.5 or 2.1).",
            "Perishable “peut-être”: answer yes or no.",
            "“Miel” is already on row 6.",
            "Required columns missing: nom, prix. The first line must name the columns: nom; "
            "prix; tva; unite; stock; description; categorie; poids_estime_g; perissable.",
        ]


def test_refusals_of_the_basket_checkout_and_forms_are_worded_in_english(app: Flask) -> None:
    with pytest.raises(ValidationError) as long:
        AddressInput("x" * 121, "1 rue Haute", "62130", "Saint-Pol").validate()
    errors = [
        long.value,
        ValidationError(
            "La quantité doit être comprise entre 1 et 999.",
            field="quantity",
            code="quantity_out_of_range",
            max=999,
        ),
        InvalidDeliveryChoice(
            detail="La première date possible est le 24/11/2026.",
            reason="too_early",
            first="2026-11-24",
        ),
        InvalidDeliveryChoice(
            detail="« Fournil » ne propose pas le retrait en boutique.",
            reason="no_click_and_collect",
            merchant="Fournil",
        ),
    ]
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert [shown(error) for error in errors] == [str(error) for error in errors]
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert [shown(error) for error in errors] == [
            "120 characters at most.",
            "The quantity must be between 1 and 999.",
            "The first possible date is Tuesday 24 November 2026.",
            "“Fournil” does not offer collection at the shop.",
        ]
