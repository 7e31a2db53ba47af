"""Property-based fuzzing of the HTML forms: read the forms a page shows, send them back mangled.

:func:`forms_on` parses the ``<form method="post">`` of a page (fields, their type, the
choices of selects and radios, hidden values). :func:`mangled` draws a submission of one
form: each field kept, left out, or replaced by bad input (empty, blank, very long, control
characters and NUL, numbers that overflow, markup, SQL, other scripts). :func:`check_answer`
holds the answer to the rules of the project: never a 5xx; a refused submission (the form
shown again, a 4xx, or a redirect with an error message) says why in French and leaves the
database exactly as it was.

The number of examples is modest so that the suite stays fast on two loaded cores;
``CABAS_FUZZ_EXAMPLES`` raises it for a longer local hunt. Runs are derandomised (the same
examples on every run) so that CI stays deterministic; ``CABAS_FUZZ_RANDOM=1`` draws new ones.
``pytest --hypothesis-show-statistics`` lists which action answered what.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.test import TestResponse

import delivery.model  # noqa: F401  (delivery tables are part of the snapshot)
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.persistence.base import Base

EXAMPLES = int(os.environ.get("CABAS_FUZZ_EXAMPLES", "10"))
# CABAS_FUZZ_RANDOM=1 draws new examples on each run (a local hunt); CI replays the same ones.
RANDOM = os.environ.get("CABAS_FUZZ_RANDOM", "") == "1"


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """Few, reproducible examples; the fixtures (app, database) are shared by all of them."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# --- reading the forms of a page ---------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    choices: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)
    multipart: bool = False

    def add(self, name: str, kind: str, value: str) -> None:
        known = self.fields.get(name)
        if known is None:
            self.fields[name] = Field(name, kind, value, [value] if kind == "radio" else [])
        elif kind == "radio":
            known.choices.append(value)
        elif kind == "checkbox":
            known.choices.append(value)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(action, multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        if self._form is None or "name" not in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind not in ("submit", "button", "image", "reset"):
                self._form.add(a["name"], kind, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields[a["name"]] = self._select
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields[a["name"]] = self._textarea
        elif tag == "button" and a.get("value"):
            self._form.add(a["name"], "hidden", a["value"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class _OptionAwareParser(_FormParser):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "option" and self._select is not None:
            a = {k: v or "" for k, v in attrs}
            self._select.choices.append(a.get("value", ""))
            if "selected" in a or not self._select.value:
                self._select.value = a.get("value", "")
            return
        super().handle_starttag(tag, attrs)


def forms_on(client: FlaskClient, url: str, skip: tuple[str, ...] = ("/logout",)) -> list[Form]:
    """The POST forms of the page at ``url`` (those whose action starts with ``skip`` left out)."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} → {page.status_code}"
    parser = _OptionAwareParser(f"http://localhost{url}")
    parser.feed(page.get_data(as_text=True))
    found = []
    for form in parser.forms:
        path = form.action.removeprefix("http://localhost")
        if not path.startswith(skip):
            form.action = path
            found.append(form)
    return found


# --- bad input -----------------------------------------------------------------------------

SPECIAL = [
    "",
    " ",
    "\t\n",
    "0",
    "-1",
    "1.5",
    "1,5",
    "2,999",
    "1e400",
    "NaN",
    "inf",
    "99999999999999999999999999",
    "-9223372036854775809",
    "0x10",
    "٣",  # an Arabic-Indic digit: int() accepts it
    "²",
    "\x00",
    "abc\x00def",
    "\u202e",
    "\ud7ff",
    "💥",
    "é" * 250,
    "A" * 5000,
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "%(x)s {0} {{ 7*7 }}",
    "../../etc/passwd",
    "2026-02-30",
    "2026-11-24",
    "24/11/2026",
    "25:61",
    "08:00",
    "62130",
    "62767",
    "jeanne@example.fr",
    "not-an-email",
    "https://example.org/x.png",
    "javascript:alert(1)",
    "true",
    "on",
    "null",
]

text_values = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)

_MISSING: Any = object()
# Characters that look like nothing: NUL (PostgreSQL text refuses it), other controls, a
# line separator, a byte-order mark, a right-to-left override.
CONTROL = ["\x00", "\x01", "\x1f", "\x7f", "\u2028", "\ufeff", "\u202e"]


def _inserted(parts: tuple[str, str, int]) -> str:
    """A good value with a control character slipped in."""
    value, char, at = parts
    at = min(at, len(value))
    return value[:at] + char + value[at:]


def field_value(f: Field) -> st.SearchStrategy[Any]:
    """Bad or good input for one field; ``_MISSING`` leaves it out of the submission."""
    keep = st.just(f.value)
    if f.kind in ("select", "radio") and f.choices:
        good = st.sampled_from(f.choices)
    elif f.kind == "checkbox":
        good = st.sampled_from(f.choices or [f.value or "on"])
    else:
        good = keep
    return st.one_of(
        good,
        good,
        keep,
        text_values,
        st.tuples(good, st.sampled_from(CONTROL), st.integers(0, 30)).map(_inserted),
        st.just(_MISSING),
        st.lists(text_values, min_size=2, max_size=3),  # the same name sent twice or more
    )


@st.composite
def mangled(draw: st.DrawFn, forms: list[Form]) -> tuple[Form, dict[str, Any]]:
    """One of ``forms`` and a submission of it with some fields mangled."""
    form = draw(st.sampled_from(forms))
    data: dict[str, Any] = {}
    for name, f in form.fields.items():
        if f.kind == "file":
            continue
        value = draw(field_value(f), label=name)
        if value is not _MISSING:
            data[name] = value
    if draw(st.booleans()):  # an unexpected field the form does not have
        data[draw(st.sampled_from(["id", "territory_id", "merchant_id", "role", "x"]))] = draw(
            text_values
        )
    return form, data


# --- what the answer must be ---------------------------------------------------------------

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(db: Database) -> Snapshot:
    """Every row of every table, in primary-key order."""
    rows: Snapshot = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return rows


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


ERROR_MARKERS = ('class="error"', 'class="error-summary"', "flash-error", "flash-warning")


def _flashes(client: FlaskClient) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        flashes: list[tuple[str, str]] = list(session.get("_flashes", []))
        return flashes


def submit(client: FlaskClient, form: Form, data: dict[str, Any]) -> TestResponse:
    """Post ``data`` to the form's action, with no message left over from an earlier answer."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    return client.post(form.action, data=data)


def check_answer(
    client: FlaskClient,
    db: Database,
    before: Snapshot,
    response: TestResponse,
    where: str,
) -> bool:
    """Hold one answer to the rules (see module doc); True when the submission was refused."""
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"{where} → {status}\n{body[:1500]}"
    flashes = _flashes(client) if status in (301, 302, 303) else []
    # "error:card-12": a message shown on a product's card (shopfront/back_to_card.py).
    categories = {category.partition(":")[0] for category, _ in flashes}
    # A warning beside a success is a caveat about what was done (a courier deactivated who
    # still has rounds), not a refusal.
    refused = (
        status == 200
        or 400 <= status < 500
        or "error" in categories
        or ("warning" in categories and "success" not in categories)
    )
    if refused:
        if status == 200 or 400 <= status < 500:
            assert any(marker in body for marker in ERROR_MARKERS) or status >= 400, (
                f"{where} → {status} without an error message\n{body[:1500]}"
            )
        after = snapshot(db)
        changed = changed_tables(before, after)
        assert not changed, f"{where} → {status} refused but wrote to {changed}"
    check_invariants(db)
    return refused


def check_invariants(db: Database) -> None:
    """What no request may break: stock never below zero."""
    with db.engine.connect() as conn:
        negative = conn.execute(
            select(Product.id, Product.stock_quantity).where(Product.stock_quantity < 0)
        ).all()
    assert not negative, f"negative stock: {negative}"
