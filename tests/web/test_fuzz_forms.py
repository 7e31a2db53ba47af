"""Every HTML form, fuzzed with hypothesis as the actor who sees it: never a 5xx, a French
message when the input is refused, and nothing half-written (see :mod:`tests.web.fuzzing`).

Each test logs in once, reads the forms of the actor's pages, then sends them back mangled;
the database carries over from one example to the next, as it would on a real shop.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select

from reference_app import mail
from shop_core.accounts.assisted import register_shopper_for
from shop_core.accounts.model import Address
from shop_core.accounts.profile import AddressInput
from shop_core.catalogue.bulk import plan_import
from shop_core.catalogue.csv_import import decode, name_key, parse_catalogue
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.orders.services import transition
from shop_core.payments.model import PaymentMeans, Receiver
from shop_core.payments.offline import take_payment
from shop_core.testing.factories import shoppers_code

from .backoffice import place_order
from .conftest import NOW, World, login
from .fuzzing import (
    Form,
    changed_tables,
    check_answer,
    check_invariants,
    forms_on,
    fuzz_settings,
    mangled,
    snapshot,
    submit,
    text_values,
)
from .rounds_setup import (
    SYSTEM,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    on_the_day,
    plan,
    stops,
)


@pytest.fixture(autouse=True)
def _pinned_clock(app: Flask) -> None:
    configure(app)  # the clock of the shared fixtures; rounds served; geocoder offline


def collect_forms(
    client: FlaskClient, pages: Iterable[str], skip: tuple[str, ...] = ("/logout",)
) -> list[Form]:
    forms = [form for url in pages for form in forms_on(client, url, skip)]
    assert forms, "no form to fuzz"
    return forms


_ID = re.compile(r"/\d+")
# Forms that remove what other forms work on go last.
_DESTRUCTIVE = ("/retirer", "/supprimer", "/archiver", "/annuler", "/refuser", "/suspendre")


def fuzz(
    client: FlaskClient,
    db: Database,
    forms: list[Form],
    prepare: Callable[[str], list[Form] | None] | None = None,
) -> None:
    """Send each kind of form back mangled, ``EXAMPLES`` times, and hold every answer to the
    rules. ``prepare(action)`` runs before each submission and may return the forms of that
    action read afresh (a checkout page after refilling the basket, say)."""
    groups: dict[str, list[Form]] = {}
    for form in forms:
        groups.setdefault(_ID.sub("/<id>", form.action), []).append(form)
    order = sorted(groups, key=lambda action: action.endswith(_DESTRUCTIVE))
    seen: Counter[str] = Counter()
    for action in order:
        _fuzz_action(client, db, groups[action], lambda a=action: prepare and prepare(a), seen)
    # Shown with ``pytest -s``: which actions were reached and how they answered.
    print("\n".join(f"{n:5} {answer}" for answer, n in sorted(seen.items())))


def _fuzz_action(
    client: FlaskClient,
    db: Database,
    forms: list[Form],
    prepare: Callable[[], list[Form] | None],
    seen: Counter[str],
) -> None:
    @fuzz_settings()
    @given(st.data())
    def run(draw: st.DataObject) -> None:
        form, data = draw.draw(mangled(prepare() or forms))
        before = snapshot(db)
        response = submit(client, form, data)
        answer = f"{_ID.sub('/<id>', form.action)} → {response.status_code}"
        event(answer)
        seen[answer] += 1
        check_answer(client, db, before, response, f"POST {form.action} {data!r}"[:3000])

    run()


def _reference(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).reference


_TO_DELIVERED = (
    MerchantOrderStatus.ACCEPTED,
    MerchantOrderStatus.READY,
    MerchantOrderStatus.HANDED_TO_COURIER,
    MerchantOrderStatus.DELIVERED,
)


def _move(db: Database, merchant_order_id: int, *steps: MerchantOrderStatus) -> None:
    with db.uow() as uow:
        for step in steps:
            transition(
                uow=uow, merchant_order_id=merchant_order_id, target=step, actor=SYSTEM, now=NOW,
                checked=shoppers_code(uow, merchant_order_id),  # the code, where it is asked
            )  # fmt: skip


def _merchant_order(db: Database, order_id: int, merchant_id: int) -> int:
    with db.uow() as uow:
        mo_id = uow.session.scalar(
            select(MerchantOrder.id).where(
                MerchantOrder.order_id == order_id, MerchantOrder.merchant_id == merchant_id
            )
        )
    assert mo_id is not None
    return mo_id


def test_the_visitor_forms_survive_bad_input(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    client.post("/password/forgot", data={"email": world.shopper_email})
    with app.app_context():
        link = re.search(r"http://\S+/password/reset/\S+", mail.outbox()[0].body)
    assert link
    reset = link.group(0).split("localhost", 1)[1]
    client.post("/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1})
    pages = [
        "/login",
        "/signup",
        "/password/forgot",
        reset,
        "/vendre",
        f"/produits/{world.bread_id}-pain-de-campagne",
        f"/produits/{world.roast_id}-roti-de-porc",
        "/panier",
    ]
    fuzz(client, db, collect_forms(client, pages))


def test_the_shopper_forms_survive_bad_input(
    client: FlaskClient, db: Database, world: World
) -> None:
    order = place_order(db, world, {world.apples_id: 2})
    login(client, world.shopper_email)
    for product in (world.bread_id, world.cake_id, world.roast_id):
        client.post("/panier/ajouter", data={"product_id": product, "quantity": 1})
    with db.uow() as uow:
        address = uow.session.scalars(select(Address.id)).first()
    pages = [
        "/panier",
        "/commande",
        "/compte",
        "/compte/adresses/nouvelle",
        f"/compte/adresses/{address}",
        "/compte/mot-de-passe",
        "/compte/supprimer",
        f"/produits/{world.cake_id}-tarte-au-sucre",
        f"/mes-commandes/{_reference(db, order)}/annuler",
    ]

    def refill(action: str) -> list[Form] | None:
        # An order placed empties the basket: fill it again and read the page afresh (its
        # idempotency key and the total shown change with the basket).
        if action != "/commande":
            return None
        for product in (world.cake_id, world.roast_id, world.apples_id):
            client.post(f"/panier/{product}/quantite", data={"quantity": 0})
        client.post(f"/panier/{world.bread_id}/quantite", data={"quantity": 1})
        client.post("/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1})
        return [f for f in forms_on(client, "/commande") if f.action == "/commande"]

    fuzz(client, db, collect_forms(client, pages), refill)


def test_the_merchant_forms_survive_bad_input(
    client: FlaskClient, db: Database, world: World
) -> None:
    pending = place_order(db, world, {world.roast_id: 1, world.apples_id: 3})
    accepted = place_order(db, world, {world.roast_id: 2}, DeliveryMethod.CLICK_COLLECT)
    accepted_mo = _merchant_order(db, accepted, world.farmer_id)
    with db.uow() as uow:
        transition(
            uow=uow,
            merchant_order_id=accepted_mo,
            target=MerchantOrderStatus.ACCEPTED,
            actor=SYSTEM,
            now=NOW,
        )
    # Ready at the shop and paid there: the hand-over form asks how the shopper paid.
    collected = place_order(db, world, {world.apples_id: 1}, DeliveryMethod.CLICK_COLLECT)
    ready_mo = _merchant_order(db, collected, world.farmer_id)
    _move(db, ready_mo, MerchantOrderStatus.ACCEPTED, MerchantOrderStatus.READY)
    login(client, world.farmer_email)
    pages = [
        "/boutique/produits",
        "/boutique/produits/nouveau",
        f"/boutique/produits/{world.roast_id}",
        f"/boutique/produits/{world.apples_id}",
        "/boutique/commandes",
        f"/boutique/commandes/{_merchant_order(db, pending, world.farmer_id)}",
        f"/boutique/commandes/{accepted_mo}",
        f"/boutique/commandes/{ready_mo}",
        "/boutique/produits/import",
        "/boutique/paiements",
    ]
    fuzz(client, db, collect_forms(client, pages))


def test_the_operator_forms_survive_bad_input(
    client: FlaskClient, db: Database, world: World
) -> None:
    fleet = add_fleet(db, world)
    make_ready(db, place_order(db, world, {world.bread_id: 1}))
    plan(db, world)  # the board's forms: move a stop, give a run to another courier…
    # Parcels waiting at the pickup point, to pay there: the hand-over form of *Retraits*.
    at_point = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.PICKUP_POINT)
    waiting = _merchant_order(db, at_point, world.baker_id)
    _move(db, waiting, *_TO_DELIVERED)
    # A delivered order paid by hand to the platform: the month's settling form.
    paid = _merchant_order(db, place_order(db, world, {world.cake_id: 1}), world.baker_id)
    _move(db, paid, *_TO_DELIVERED)
    with db.uow() as uow:
        take_payment(
            uow.session, merchant_order=uow.session.get_one(MerchantOrder, paid),
            means=PaymentMeans.CASH, actor=SYSTEM, now=NOW, receiver=Receiver.PLATFORM,
        )  # fmt: skip
        uow.commit()
    # A shopper registered over the phone without e-mail: the form to add one.
    with db.uow() as uow:
        register_shopper_for(
            uow=uow, territory_id=world.territory_id, operator_id=world.operator_id,
            full_name="Jean Sansmail", phone="03 21 00 00 09",
            address=AddressInput(
                recipient="Jean Sansmail", line1="3 rue Haute", postal_code="62130",
                city="Saint-Pol-sur-Ternoise", insee_code="62767",
            ),
        )  # fmt: skip
    login(client, world.operator_email)
    pages = [
        "/admin/clients?q=jean",
        "/admin/boutiques",
        f"/admin/boutiques/{world.baker_id}",
        "/admin/boutiques/nouvelle",
        "/admin/apparence",
        "/admin/commission",
        "/admin/communes",
        "/admin/livreurs",
        "/admin/points-retrait",
        "/admin/points-retrait/nouveau",
        f"/admin/points-retrait/{world.pickup_point_id}",
        "/admin/tournees/nouvelle",
        f"/admin/tournees/{fleet.saint_pol}/modifier",
        "/admin/depots/nouveau",
        f"/admin/depots/{fleet.depot_id}/modifier",
        "/admin/tournees/reglages",
        f"/admin/tournees?date={TUESDAY.isoformat()}",
        "/admin/retraits",
        "/admin/paiements",
    ]
    # Acting for a shop changes whose pages these are; planning runs the solver (slow):
    # both have tests of their own.
    skip = ("/logout", "/admin/agir", "/admin/tournees/planifier", "/admin/tournees/retard")
    forms = [f for f in collect_forms(client, pages, skip) if not f.action.endswith("/agir")]
    fuzz(client, db, forms)


def test_the_courier_forms_survive_bad_input(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    add_fleet(db, world)
    order = place_order(db, world, {world.bread_id: 1})
    make_ready(db, order)
    plan(db, world)
    pickup, drop = stops(db, world)
    on_the_day(app)  # the round's day: its page has the forms to record the stops
    login(client, world.courier_email)
    pages = [
        f"/livreur/?date={TUESDAY.isoformat()}",
        f"/livreur/arrets/{drop.id}/echec",
        f"/livreur/arrets/{drop.id}/position",
    ]
    fuzz(client, db, collect_forms(client, pages))


# For each column, values that are fine (or tricky but fine) and, sometimes, bad input.
_CELLS = {
    "nom": ["Pain de campagne", "PAIN DE CAMPAGNE", "Brioche", "Brioche ", "Éclair", "Far"],
    "prix": ["4,50", "4.50", "3", "0", "-1", "1 200,00", "2,999"],
    "tva": ["5,5", "5.5", "20", "10 %", "7"],
    "unite": ["pièce", "kg", "litre", "botte"],
    "stock": ["", "12", "-3", "1,5"],
    "description": ["", "Au levain", "Pâte feuilletée ; beurre AOP"],
    "categorie": ["", "Boulangerie", "Inconnue"],
    "poids_estime_g": ["", "500", "0"],
    "perissable": ["oui", "non", ""],
}
CSV_CELLS = {
    column: st.one_of(st.sampled_from(good), st.sampled_from(good), text_values)
    for column, good in _CELLS.items()
}


@st.composite
def catalogue_files(draw: st.DrawFn) -> bytes:
    """A catalogue file as people make them (or break them): columns, separators, encodings."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    others = [c for c in CSV_CELLS if c not in ("nom", "prix")]
    columns = draw(st.lists(st.sampled_from(others), max_size=7, unique=True))
    columns += draw(st.sampled_from([["nom", "prix"], ["prix", "nom"], ["nom"], []]))
    sep = draw(st.sampled_from([";", ",", "\t"]))
    rows = [columns] + [
        [draw(CSV_CELLS[c]) for c in columns] for _ in range(draw(st.integers(1, 6)))
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace")


def _names(db: Database, merchant_id: int) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(select(Product.name).where(Product.merchant_id == merchant_id))
        )


def test_the_catalogue_import_survives_bad_files(
    client: FlaskClient, db: Database, world: World
) -> None:
    """Preview writes nothing; confirming imports the previewed valid lines, or nothing."""
    login(client, world.baker_email)
    seen: Counter[str] = Counter()

    @fuzz_settings()
    @given(catalogue_files())
    def run(content: bytes) -> None:
        before = snapshot(db)
        preview = client.post(
            "/boutique/produits/import",
            data={"file": (io.BytesIO(content), "catalogue.csv")},
            content_type="multipart/form-data",
        )
        assert preview.status_code in (200, 422), preview.status_code
        seen[f"preview → {preview.status_code}"] += 1
        assert not changed_tables(before, snapshot(db)), "the preview wrote"
        token = re.search(r'name="token"[^>]*value="([^"]+)"', preview.get_data(as_text=True))
        if token is None:  # nothing to import, and the page says why
            page = preview.get_data(as_text=True)
            assert "error" in page or "Aucune ligne ne peut être importée" in page
            return
        with db.uow() as uow:
            parsed = parse_catalogue(decode(content))
            plan = plan_import(uow, merchant_id=world.baker_id, rows=parsed.rows)
            created = {name_key(r.product.name) for r in plan.create}
        names_before = _names(db, world.baker_id)
        done = client.post("/boutique/produits/import/confirmer", data={"token": token[1]})
        assert done.status_code in (200, 302), done.status_code
        seen[f"confirm → {done.status_code}, {len(created)} new"] += 1
        names_after = _names(db, world.baker_id)
        if done.status_code == 302:  # refused: nothing imported
            assert names_after == names_before
        else:
            assert len(names_after) == len(names_before) + len(created)
        check_invariants(db)

    run()
    print("\n".join(f"{n:5} {answer}" for answer, n in sorted(seen.items())))
