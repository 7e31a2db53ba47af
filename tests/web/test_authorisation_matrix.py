"""Who may call what: every route of the app × nine actors → the expected answer.

The matrix below has one row per method and URL rule of ``app.url_map``; a route added
without a row makes ``test_every_route_has_a_row_in_the_matrix`` fail. Each row's URL points
at the "A" side of territory X (shopper A's order and address, merchant A's order and product,
courier A's run and stop, operator X's round, depot and pickup point — see ``authz_setup``),
so the "B" actors prove that changing an id does not reach another's object, and operator Y,
logged in on territory Y's host, proves the same across territories.

The ten columns, in order: anonymous, shopper A, shopper B, staff of merchant A, staff of
merchant B, courier A, courier B, operator of territory X, operator of territory Y, staff of
territory X's pickup point. A row of nine cells gives that last account what shopper B
gets: an account with no right on A's objects; the pickup point's own pages say all ten.
Cells: a status code; ``L`` a redirect to the login page; ``ok`` allowed (the action runs or
answers a validation error: below 500, not 401/403/404/405, not a redirect to log in).

Denied requests and GETs run first, from the same saved session each time. Allowed POSTs,
PUTs and DELETEs run afterwards in the order of the matrix, so the rows that end something
(archive, suspend, revoke, log out) come last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from shop_core.database import Database

from .authz_setup import ACTORS, Ids, Session, build, sessions
from .conftest import World

DATE = dt.date(2026, 11, 24).isoformat()


@dataclass(frozen=True)
class Row:
    url: str
    expect: str
    data: dict[str, Any] = field(default_factory=dict)

    def cells(self) -> dict[str, str]:
        found = self.expect.split()
        if len(found) == len(ACTORS) - 1:
            found.append(found[ACTORS.index("shopper_b")])  # the pickup point's staff
        assert len(found) == len(ACTORS), self
        return dict(zip(ACTORS, found, strict=True))


#                      anon  shA  shB  mA   mB   coA  coB  opX  opY
PUBLIC = "200 200 200 200 200 200 200 200 200"
PUBLIC_IN_X = "200 200 200 200 200 200 200 200 404"  # territory X's public object
SIGNED_IN = "L 200 200 200 200 200 200 200 200"
SHOPPER_A_ONLY = "L 200 404 404 404 404 404 404 404"
MERCHANT = "L 403 403 200 200 403 403 403 403"
MERCHANT_DO = "L 403 403 ok ok 403 403 403 403"
MERCHANT_A = "L 403 403 200 404 403 403 403 403"
MERCHANT_A_DO = "L 403 403 ok 404 403 403 403 403"
COURIER = "L 403 403 403 403 200 200 403 403"
COURIER_A = "L 403 403 403 403 200 404 403 403"
COURIER_A_DO = "L 403 403 403 403 ok 404 403 403"
# A stop's actions: another courier is sent back to their own round with a notice, as for a
# stop the operator moved away (nothing recorded: tests/web/test_courier.py).
COURIER_A_STOP = "L 403 403 403 403 200 302 403 403"
COURIER_A_STOP_DO = "L 403 403 403 403 ok 302 403 403"
OPERATOR = "L 403 403 403 403 403 403 200 200"
OPERATOR_DO = "L 403 403 403 403 403 403 ok ok"
OPERATOR_X = "L 403 403 403 403 403 403 200 404"
OPERATOR_X_DO = "L 403 403 403 403 403 403 ok 404"
API_PUBLIC = PUBLIC
API_SIGNED_IN = "401 200 200 200 200 200 200 200 200"
API_SIGNED_IN_DO = "401 ok ok ok ok ok ok ok ok"
API_UNKNOWN = "404 404 404 404 404 404 404 404 404"
PAYMENTS_OFF = "L 403 403 404 404 403 403 403 403"  # merchants' Stripe pages, no keys set


def matrix(i: Ids, app: Flask) -> dict[str, Row]:
    """``"METHOD rule"`` → the request and what each actor gets."""
    product_a = f"/produits/{i.product_a}-{i.product_a_slug}"
    order_a = f"/mes-commandes/{i.order_a_reference}"
    stop_a = f"/livreur/arrets/{i.stop_a}"
    position = {"lat": "50.3814", "lon": "2.3347"}
    basket_line = {"product_id": i.product_a, "quantity": 1}
    return {
        # Shopfront: public pages; territory X's objects are not found on territory Y's host.
        "GET /": Row("/", PUBLIC),
        "GET /theme.css": Row("/theme.css", PUBLIC),
        "GET /static/<path:filename>": Row("/static/css/cabas.css", PUBLIC),
        "GET /media/<path:key>": Row(f"/media/{i.media_key}", PUBLIC),
        "GET /recherche": Row("/recherche?q=pain", PUBLIC),
        "GET /boutiques": Row("/boutiques?page=1", PUBLIC),
        "GET /boutiques/<slug>": Row(f"/boutiques/{i.merchant_a_slug}", PUBLIC_IN_X),
        "GET /categories/<slug>": Row(f"/categories/{i.category_slug}", PUBLIC_IN_X),
        "GET /produits/<int:product_id>-<slug>": Row(product_a, PUBLIC_IN_X),
        # A product page only takes the add-to-basket form of a product on sale here.
        "POST /produits/<int:product_id>-<slug>": Row(
            product_a, "ok ok ok ok ok ok ok ok 404", {"quantity": 1}
        ),
        "GET /panier": Row("/panier", PUBLIC),
        "POST /panier/ajouter": Row(
            "/panier/ajouter", "ok ok ok ok ok ok ok ok 404", {"product_id": i.product_a}
        ),
        "POST /panier/<int:product_id>/quantite": Row(
            f"/panier/{i.product_a}/quantite", "ok ok ok ok ok ok ok ok ok", {"quantity": 2}
        ),
        "POST /panier/<int:product_id>/retirer": Row(
            f"/panier/{i.product_a}/retirer", "ok ok ok ok ok ok ok ok ok"
        ),
        # Acknowledges the prices of one's own basket: without a basket, nothing to find.
        "POST /panier/prix-vus": Row("/panier/prix-vus", "404 302 404 404 404 404 404 404 404"),
        "GET /commande": Row("/commande", "L 302 302 302 302 302 302 302 302"),
        "POST /commande": Row("/commande", "L ok ok ok ok ok ok ok ok"),
        "GET /commande/<reference>/fiche": Row(
            f"/commande/{i.order_a_reference}/fiche", SHOPPER_A_ONLY
        ),
        "GET /commande/<reference>/confirmation": Row(
            f"/commande/{i.order_a_reference}/confirmation", SHOPPER_A_ONLY
        ),
        "GET /mes-commandes": Row("/mes-commandes", SIGNED_IN),
        "GET /mes-commandes/<reference>": Row(order_a, SHOPPER_A_ONLY),
        "GET /mes-commandes/<reference>/annuler": Row(f"{order_a}/annuler", SHOPPER_A_ONLY),
        "POST /mes-commandes/<reference>/annuler": Row(
            f"{order_a}/annuler", "L ok 404 404 404 404 404 404 404"
        ),
        # Account: one's own; another's address is not found.
        "GET /compte": Row("/compte", SIGNED_IN),
        "POST /compte": Row("/compte", "L ok ok ok ok ok ok ok ok"),
        "GET /compte/mes-donnees.json": Row("/compte/mes-donnees.json", SIGNED_IN),
        "GET /compte/mot-de-passe": Row("/compte/mot-de-passe", SIGNED_IN),
        "POST /compte/mot-de-passe": Row("/compte/mot-de-passe", "L ok ok ok ok ok ok ok ok"),
        "GET /compte/adresses/nouvelle": Row("/compte/adresses/nouvelle", SIGNED_IN),
        "POST /compte/adresses/nouvelle": Row(
            "/compte/adresses/nouvelle", "L ok ok ok ok ok ok ok ok"
        ),
        "GET /compte/adresses/<int:address_id>": Row(
            f"/compte/adresses/{i.address_a}", SHOPPER_A_ONLY
        ),
        "POST /compte/adresses/<int:address_id>": Row(
            f"/compte/adresses/{i.address_a}", "L ok 404 404 404 404 404 404 404"
        ),
        # Staff accounts are closed by the operator, not by themselves.
        "GET /compte/supprimer": Row("/compte/supprimer", "L 200 200 302 302 302 302 302 302 302"),
        "POST /compte/supprimer": Row("/compte/supprimer", "L ok ok 302 302 302 302 302 302 302"),
        # Log in, sign up, password reset: open to all (a signed-in visitor is sent home).
        "GET /login": Row("/login", "200 302 302 302 302 302 302 302 302"),
        "POST /login": Row("/login", "ok ok ok ok ok ok ok ok ok"),
        "GET /signup": Row("/signup", PUBLIC),
        "POST /signup": Row("/signup", "ok ok ok ok ok ok ok ok ok"),
        "GET /password/forgot": Row("/password/forgot", PUBLIC),
        "POST /password/forgot": Row("/password/forgot", "ok ok ok ok ok ok ok ok ok"),
        "GET /password/reset/<token>": Row(
            "/password/reset/not-a-token", "302 302 302 302 302 302 302 302 302"
        ),
        "POST /password/reset/<token>": Row(
            "/password/reset/not-a-token", "302 302 302 302 302 302 302 302 302"
        ),
        # The welcome link of a shopper the operator registered: the same as a reset link.
        "GET /password/welcome/<token>": Row(
            "/password/welcome/not-a-token", "302 302 302 302 302 302 302 302 302"
        ),
        "POST /password/welcome/<token>": Row(
            "/password/welcome/not-a-token", "302 302 302 302 302 302 302 302 302"
        ),
        "GET /vendre": Row("/vendre", "200 200 200 302 302 200 200 200 200"),
        "POST /vendre": Row("/vendre", "ok ok ok ok ok ok ok ok ok"),
        # Merchant back-office: staff only (an operator only once acting for the shop);
        # another shop's order or product is not found.
        "GET /boutique": Row("/boutique", MERCHANT),
        "GET /boutique/commandes": Row("/boutique/commandes", MERCHANT),
        "GET /boutique/commandes/<int:mo_id>": Row(
            f"/boutique/commandes/{i.merchant_order_a}", MERCHANT_A
        ),
        "POST /boutique/commandes/<int:mo_id>/accepter": Row(
            f"/boutique/commandes/{i.merchant_order_a}/accepter", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/refuser": Row(
            f"/boutique/commandes/{i.merchant_order_a}/refuser", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/remise-en-vente": Row(
            f"/boutique/commandes/{i.merchant_order_a}/remise-en-vente", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/colis-recuperes": Row(
            f"/boutique/commandes/{i.merchant_order_a}/colis-recuperes", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/preparer": Row(
            f"/boutique/commandes/{i.merchant_order_a}/preparer", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/pesee": Row(
            f"/boutique/commandes/{i.merchant_order_a}/pesee", MERCHANT_A_DO
        ),
        "POST /boutique/commandes/<int:mo_id>/remise": Row(
            f"/boutique/commandes/{i.merchant_order_a}/remise", MERCHANT_A_DO
        ),
        "GET /boutique/preparation.pdf": Row("/boutique/preparation.pdf", MERCHANT),
        "GET /boutique/statistiques": Row("/boutique/statistiques", MERCHANT),
        "GET /boutique/ma-boutique": Row("/boutique/ma-boutique", MERCHANT),
        "POST /boutique/ma-boutique/presentation": Row(
            "/boutique/ma-boutique/presentation", MERCHANT_DO, {"description": "Notre pain."}
        ),
        "POST /boutique/ma-boutique/horaires": Row(
            "/boutique/ma-boutique/horaires",
            MERCHANT_DO,
            {"j0-ferme": "1", "j1-de1": "08:00", "j1-a1": "19:00"}
            | {f"j{day}-ferme": "1" for day in range(2, 7)},
        ),
        "GET /boutique/fermetures": Row("/boutique/fermetures", MERCHANT),
        "POST /boutique/fermetures": Row(
            "/boutique/fermetures", MERCHANT_DO, {"starts": "2027-07-01", "ends": "2027-07-02"}
        ),
        "POST /boutique/fermetures/<int:closure_id>/supprimer": Row(
            f"/boutique/fermetures/{i.closure_a}/supprimer", MERCHANT_A_DO
        ),
        "GET /boutique/produits": Row("/boutique/produits", MERCHANT),
        "GET /boutique/produits/nouveau": Row("/boutique/produits/nouveau", MERCHANT),
        "POST /boutique/produits/nouveau": Row("/boutique/produits/nouveau", MERCHANT_DO),
        "GET /boutique/produits/<int:product_id>": Row(
            f"/boutique/produits/{i.product_a}", MERCHANT_A
        ),
        "POST /boutique/produits/<int:product_id>": Row(
            f"/boutique/produits/{i.product_a}", MERCHANT_A_DO
        ),
        "POST /boutique/produits/<int:product_id>/stock": Row(
            f"/boutique/produits/{i.product_a}/stock", MERCHANT_A_DO, {"stock_quantity": 7}
        ),
        "POST /boutique/produits/<int:product_id>/en-vente": Row(
            f"/boutique/produits/{i.product_a}/en-vente", MERCHANT_A_DO, {"active": "1"}
        ),
        "GET /boutique/produits/export.csv": Row("/boutique/produits/export.csv", MERCHANT),
        "GET /boutique/produits/import": Row("/boutique/produits/import", MERCHANT),
        "POST /boutique/produits/import": Row("/boutique/produits/import", MERCHANT_DO),
        "POST /boutique/produits/import/confirmer": Row(
            "/boutique/produits/import/confirmer", MERCHANT_DO
        ),
        # Courier: their own runs and stops only.
        "GET /livreur/": Row("/livreur/", COURIER),
        "GET /livreur/sw.js": Row("/livreur/sw.js", PUBLIC),
        "GET /livreur/tournees/<int:run_id>/feuille.pdf": Row(
            f"/livreur/tournees/{i.run_a}/feuille.pdf", COURIER_A
        ),
        "GET /livreur/arrets/<int:stop_id>/position": Row(f"{stop_a}/position", COURIER_A),
        "POST /livreur/arrets/<int:stop_id>/position": Row(
            f"{stop_a}/position", COURIER_A_DO, position
        ),
        "POST /livreur/arrets/<int:stop_id>/collecte": Row(f"{stop_a}/collecte", COURIER_A_STOP_DO),
        "POST /livreur/arrets/<int:stop_id>/livraison": Row(
            f"{stop_a}/livraison", COURIER_A_STOP_DO, {"code": "0000"}
        ),
        "GET /livreur/arrets/<int:stop_id>/echec": Row(f"{stop_a}/echec", COURIER_A_STOP),
        "POST /livreur/arrets/<int:stop_id>/echec": Row(f"{stop_a}/echec", COURIER_A_STOP_DO),
        "POST /livreur/arrets/<int:stop_id>/retour": Row(f"{stop_a}/retour", COURIER_A_STOP_DO),
        "POST /livreur/arrets/<int:stop_id>/retour-impossible": Row(
            f"{stop_a}/retour-impossible", COURIER_A_STOP_DO, {"reason": "Boutique fermée"}
        ),
        # Operator admin: operators only; territory X's objects are not found from Y.
        "GET /admin": Row("/admin", OPERATOR),
        "GET /admin/indicateurs.csv": Row("/admin/indicateurs.csv", OPERATOR),
        "GET /admin/territoire": Row("/admin/territoire", OPERATOR),
        "GET /admin/apparence": Row("/admin/apparence", OPERATOR),
        "POST /admin/apparence": Row("/admin/apparence", OPERATOR_DO),
        "GET /admin/commission": Row("/admin/commission", OPERATOR),
        "POST /admin/commission": Row("/admin/commission", OPERATOR_DO),
        "GET /admin/creneaux": Row("/admin/creneaux", OPERATOR),
        "POST /admin/creneaux": Row(
            "/admin/creneaux", OPERATOR_DO, {"label": "Soir", "starts": "19:00", "ends": "21:00"}
        ),
        "GET /admin/creneaux/<code>": Row("/admin/creneaux/apres-midi", OPERATOR),
        "POST /admin/creneaux/<code>": Row(
            "/admin/creneaux/apres-midi",
            OPERATOR_DO,
            {"label": "Après-midi", "starts": "14:00", "ends": "18:00"},
        ),
        "POST /admin/creneaux/<code>/supprimer": Row(
            "/admin/creneaux/apres-midi/supprimer", OPERATOR_DO
        ),
        "POST /admin/heure-limite": Row(
            "/admin/heure-limite", OPERATOR_DO, {"order_cutoff": "17:00"}
        ),
        "GET /admin/communes": Row("/admin/communes", OPERATOR),
        "POST /admin/communes/ajouter": Row("/admin/communes/ajouter", OPERATOR_DO),
        "POST /admin/communes/<insee_code>/retirer": Row(
            "/admin/communes/00000/retirer", OPERATOR_DO
        ),
        "GET /admin/boutiques": Row("/admin/boutiques", OPERATOR),
        "GET /admin/boutiques/nouvelle": Row("/admin/boutiques/nouvelle", OPERATOR),
        "POST /admin/boutiques/nouvelle": Row("/admin/boutiques/nouvelle", OPERATOR_DO),
        "GET /admin/boutiques/<int:merchant_id>": Row(
            f"/admin/boutiques/{i.merchant_a}", OPERATOR_X
        ),
        "GET /admin/boutiques/<int:merchant_id>/journal": Row(
            f"/admin/boutiques/{i.merchant_a}/journal", OPERATOR_X
        ),
        "POST /admin/boutiques/<int:merchant_id>/valider": Row(
            f"/admin/boutiques/{i.merchant_a}/valider", OPERATOR_X_DO
        ),
        "POST /admin/boutiques/<int:merchant_id>/agir": Row(
            f"/admin/boutiques/{i.merchant_a}/agir", OPERATOR_X_DO
        ),
        "POST /admin/agir/fin": Row("/admin/agir/fin", OPERATOR_DO),
        # The territory's orders: operator Y gets territory Y's list (test_operator_orders).
        "GET /admin/commandes": Row("/admin/commandes", OPERATOR),
        "GET /admin/commandes.csv": Row("/admin/commandes.csv", OPERATOR),
        # One order's page: operator Y does not see territory X's order (404).
        "GET /admin/commandes/<reference>": Row(
            f"/admin/commandes/{i.order_a_reference}", OPERATOR_X
        ),
        # Ordering for a shopper: operator Y cannot act for territory X's shopper (404).
        "GET /admin/clients": Row("/admin/clients", OPERATOR),
        "POST /admin/clients/nouveau": Row("/admin/clients/nouveau", OPERATOR_DO),
        "POST /admin/clients/<int:user_id>/agir": Row(
            f"/admin/clients/{i.shopper_a}/agir", OPERATOR_X_DO
        ),
        "POST /admin/clients/agir/fin": Row("/admin/clients/agir/fin", OPERATOR_DO),
        "GET /admin/clients/<int:user_id>": Row(f"/admin/clients/{i.shopper_a}", OPERATOR_X),
        "GET /admin/clients/<int:user_id>/commandes/<reference>/fiche": Row(
            f"/admin/clients/{i.shopper_a}/commandes/{i.order_a_reference}/fiche", OPERATOR_X
        ),
        # Territory X's shopper has a password: X's operator is refused (422), Y's sees nobody.
        "POST /admin/clients/<int:user_id>/email": Row(
            f"/admin/clients/{i.shopper_a}/email", OPERATOR_X_DO
        ),
        "GET /admin/livreurs": Row("/admin/livreurs", OPERATOR),
        "POST /admin/livreurs": Row("/admin/livreurs", OPERATOR_DO),
        "POST /admin/livreurs/<int:user_id>/etat": Row(
            f"/admin/livreurs/{i.courier_a}/etat", OPERATOR_X_DO, {"active": "1"}
        ),
        "GET /admin/retraits": Row("/admin/retraits", OPERATOR),
        # The point's staff: their point's parcels only (order A goes to a door: 404).
        "GET /point-retrait": Row("/point-retrait", "L 403 403 403 403 403 403 403 403 200"),
        "POST /point-retrait/<int:order_id>": Row(
            f"/point-retrait/{i.order_a}", "L 403 403 403 403 403 403 403 403 404", {"code": "0000"}
        ),
        "POST /admin/retraits/<int:order_id>/retour": Row(
            f"/admin/retraits/{i.order_a}/retour", OPERATOR_X_DO, {"reason": "Jamais venue"}
        ),
        "POST /admin/retraits/points/<int:point_id>/argent-remis": Row(
            f"/admin/retraits/points/{i.pickup_point_a}/argent-remis", OPERATOR_X_DO
        ),
        "POST /admin/retraits/retours/<int:mo_id>/rapportes": Row(
            f"/admin/retraits/retours/{i.merchant_order_a}/rapportes", OPERATOR_X_DO
        ),
        "POST /admin/retraits/<int:order_id>": Row(
            f"/admin/retraits/{i.order_a}", OPERATOR_X_DO, {"code": "0000", "means": "cash"}
        ),
        "GET /admin/points-retrait": Row("/admin/points-retrait", OPERATOR),
        "GET /admin/points-retrait/nouveau": Row("/admin/points-retrait/nouveau", OPERATOR),
        "POST /admin/points-retrait/nouveau": Row("/admin/points-retrait/nouveau", OPERATOR_DO),
        "GET /admin/points-retrait/<int:point_id>": Row(
            f"/admin/points-retrait/{i.pickup_point_a}", OPERATOR_X
        ),
        "POST /admin/points-retrait/<int:point_id>": Row(
            f"/admin/points-retrait/{i.pickup_point_a}", OPERATOR_X_DO
        ),
        "POST /admin/points-retrait/<int:point_id>/etat": Row(
            f"/admin/points-retrait/{i.pickup_point_a}/etat", OPERATOR_X_DO, {"active": "1"}
        ),
        # Rounds board (operator).
        "GET /admin/tournees": Row(f"/admin/tournees?date={DATE}", OPERATOR),
        "GET /admin/tournees/reglages": Row("/admin/tournees/reglages", OPERATOR),
        "GET /admin/tournees/arrets.<fmt>": Row(
            f"/admin/tournees/arrets.csv?date={DATE}", OPERATOR
        ),
        # Territory Y has no depot yet: its operator is sent to create one first.
        "GET /admin/tournees/nouvelle": Row(
            "/admin/tournees/nouvelle", "L 403 403 403 403 403 403 200 302"
        ),
        "POST /admin/tournees/nouvelle": Row("/admin/tournees/nouvelle", OPERATOR_DO),
        "GET /admin/depots/nouveau": Row("/admin/depots/nouveau", OPERATOR),
        "POST /admin/depots/nouveau": Row("/admin/depots/nouveau", OPERATOR_DO),
        "GET /admin/depots/<int:depot_id>/modifier": Row(
            f"/admin/depots/{i.depot_a}/modifier", OPERATOR_X
        ),
        "POST /admin/depots/<int:depot_id>/modifier": Row(
            f"/admin/depots/{i.depot_a}/modifier", OPERATOR_X_DO
        ),
        "GET /admin/tournees/<int:round_id>/modifier": Row(
            f"/admin/tournees/{i.round_a}/modifier", OPERATOR_X
        ),
        "POST /admin/tournees/<int:round_id>/modifier": Row(
            f"/admin/tournees/{i.round_a}/modifier", OPERATOR_X_DO
        ),
        "GET /admin/tournees/passages/<int:run_id>/feuille.pdf": Row(
            f"/admin/tournees/passages/{i.run_a}/feuille.pdf", OPERATOR_X
        ),
        "GET /admin/tournees/preparation/<int:merchant_id>.pdf": Row(
            f"/admin/tournees/preparation/{i.merchant_a}.pdf?date={DATE}", OPERATOR_X
        ),
        "GET /admin/tournees/commandes/<int:order_id>/position": Row(
            f"/admin/tournees/commandes/{i.order_a}/position", OPERATOR_X
        ),
        "POST /admin/tournees/commandes/<int:order_id>/position": Row(
            f"/admin/tournees/commandes/{i.order_a}/position", OPERATOR_X_DO, position
        ),
        "POST /admin/tournees/arrets/<int:stop_id>/deplacer": Row(
            f"/admin/tournees/arrets/{i.stop_a}/deplacer",
            OPERATOR_X_DO,
            {"run_id": i.run_a, "date": DATE},
        ),
        "POST /admin/tournees/colis/<int:merchant_order_id>/depot": Row(
            f"/admin/tournees/colis/{i.merchant_order_a}/depot",
            OPERATOR_X_DO,
            {"depot_id": i.depot_a, "date": DATE},
        ),
        "POST /admin/tournees/passages/<int:run_id>/livreur": Row(
            f"/admin/tournees/passages/{i.run_a}/livreur",
            OPERATOR_X_DO,
            {"courier_id": i.courier_a, "date": DATE},
        ),
        "POST /admin/tournees/passages/<int:run_id>/argent-remis": Row(
            f"/admin/tournees/passages/{i.run_a}/argent-remis", OPERATOR_X_DO, {"date": DATE}
        ),
        "POST /admin/tournees/localiser": Row("/admin/tournees/localiser", OPERATOR_DO),
        "POST /admin/tournees/retardataires": Row(
            "/admin/tournees/retardataires", OPERATOR_DO, {"date": DATE}
        ),
        "POST /admin/tournees/reporter": Row(
            "/admin/tournees/reporter", OPERATOR_DO, {"date": DATE}
        ),
        # JSON API: bearer tokens; another's order, another territory's product: 404.
        "GET /api/v1/openapi.json": Row("/api/v1/openapi.json", API_PUBLIC),
        "GET /api/v1/territory": Row("/api/v1/territory", API_PUBLIC),
        "GET /api/v1/products": Row("/api/v1/products", API_PUBLIC),
        "GET /api/v1/products/<any_int:product_id>": Row(
            f"/api/v1/products/{i.product_a}", PUBLIC_IN_X
        ),
        "GET /api/v1/me": Row("/api/v1/me", API_SIGNED_IN),
        "GET /api/v1/orders": Row("/api/v1/orders", API_SIGNED_IN),
        "GET /api/v1/orders/<any_int:order_id>": Row(
            f"/api/v1/orders/{i.order_a}", "401 200 404 404 404 404 404 404 404"
        ),
        "GET /api/v1/basket": Row("/api/v1/basket", API_SIGNED_IN),
        "POST /api/v1/basket": Row("/api/v1/basket", API_SIGNED_IN_DO, {"items": []}),
        "POST /api/v1/basket/items": Row(
            "/api/v1/basket/items", "401 ok ok ok ok ok ok ok 404", basket_line
        ),
        "PUT /api/v1/basket/items/<any_int:product_id>": Row(
            f"/api/v1/basket/items/{i.product_a}", "401 ok ok ok ok ok ok ok 404", {"quantity": 1}
        ),
        "DELETE /api/v1/basket/items/<any_int:product_id>": Row(
            f"/api/v1/basket/items/{i.product_a}", API_SIGNED_IN_DO
        ),
        "POST /api/v1/checkout": Row("/api/v1/checkout", API_SIGNED_IN_DO),
        "POST /api/v1/merchant/products": Row(
            "/api/v1/merchant/products", "401 403 403 ok ok 403 403 403 403"
        ),
        "POST /api/v1/accounts": Row("/api/v1/accounts", "ok ok ok ok ok ok ok ok ok"),
        "POST /api/v1/token": Row("/api/v1/token", "ok ok ok ok ok ok ok ok ok"),
        **{
            f"{method} {rule}": Row(url, API_UNKNOWN)
            for method in catch_all_methods(app)
            for rule, url in (("/api/v1/", "/api/v1/"), ("/api/v1/<path:unknown>", "/api/v1/x"))
        },
        # Online payment: the webhook and Stripe's pages answer 404 while no keys are set.
        "POST /webhooks/stripe": Row("/webhooks/stripe", API_UNKNOWN),
        "GET /commande/<reference>/paiement": Row(
            f"/commande/{i.order_a_reference}/paiement", "L 404 404 404 404 404 404 404 404"
        ),
        "POST /commande/<reference>/payer": Row(
            f"/commande/{i.order_a_reference}/payer", "L 404 404 404 404 404 404 404 404"
        ),
        "GET /boutique/paiements": Row("/boutique/paiements", MERCHANT),
        "GET /boutique/paiements/compte": Row("/boutique/paiements/compte", PAYMENTS_OFF),
        "POST /boutique/paiements/compte": Row("/boutique/paiements/compte", PAYMENTS_OFF),
        "GET /boutique/paiements/retour": Row("/boutique/paiements/retour", PAYMENTS_OFF),
        "GET /boutique/commandes/<int:mo_id>/remboursement": Row(
            f"/boutique/commandes/{i.merchant_order_a}/remboursement", MERCHANT_A
        ),
        "POST /boutique/commandes/<int:mo_id>/remboursement": Row(
            f"/boutique/commandes/{i.merchant_order_a}/remboursement", MERCHANT_A_DO
        ),
        "GET /admin/paiements": Row("/admin/paiements", OPERATOR),
        "POST /admin/paiements/reglements": Row(
            "/admin/paiements/reglements",
            OPERATOR_X_DO,
            {"merchant_id": i.merchant_a, "mois": "2026-11"},
        ),
        "POST /admin/paiements/evenements/<int:event_id>/rejouer": Row(
            "/admin/paiements/evenements/1/rejouer", "L 403 403 403 403 403 403 404 404"
        ),
        "POST /admin/paiements/commandes/<int:order_id>/regler": Row(
            f"/admin/paiements/commandes/{i.order_a}/regler", "L 403 403 403 403 403 403 404 404"
        ),
        "POST /boutique/produits/<int:product_id>/photos/<int:photo_id>/premiere": Row(
            f"/boutique/produits/{i.product_a}/photos/{i.photo_a}/premiere", MERCHANT_A_DO
        ),
        # Last: what ends something the rows above rely on.
        "POST /boutique/produits/<int:product_id>/photos/<int:photo_id>/retirer": Row(
            f"/boutique/produits/{i.product_a}/photos/{i.photo_a}/retirer", MERCHANT_A_DO
        ),
        "POST /boutique/produits/<int:product_id>/archiver": Row(
            f"/boutique/produits/{i.product_a}/archiver", MERCHANT_A_DO
        ),
        "POST /boutique/produits/<int:product_id>/desarchiver": Row(
            f"/boutique/produits/{i.product_a}/desarchiver", MERCHANT_A_DO
        ),
        "GET /compte/adresses/<int:address_id>/supprimer": Row(
            f"/compte/adresses/{i.address_a}/supprimer", SHOPPER_A_ONLY
        ),
        "POST /compte/adresses/<int:address_id>/supprimer": Row(
            f"/compte/adresses/{i.address_a}/supprimer", "L ok 404 404 404 404 404 404 404"
        ),
        "POST /admin/tournees/planifier": Row(
            "/admin/tournees/planifier", OPERATOR_DO, {"date": DATE}
        ),
        "GET /admin/tournees/<int:round_id>/supprimer": Row(
            f"/admin/tournees/{i.round_a}/supprimer", OPERATOR_X
        ),
        "POST /admin/tournees/<int:round_id>/supprimer": Row(
            f"/admin/tournees/{i.round_a}/supprimer", OPERATOR_X_DO
        ),
        "POST /admin/boutiques/<int:merchant_id>/suspendre": Row(
            f"/admin/boutiques/{i.merchant_a}/suspendre", OPERATOR_X_DO
        ),
        "POST /admin/boutiques/<int:merchant_id>/reactiver": Row(
            f"/admin/boutiques/{i.merchant_a}/reactiver", OPERATOR_X_DO
        ),
        "DELETE /api/v1/token": Row("/api/v1/token", API_SIGNED_IN_DO),
        "POST /logout": Row("/logout", "ok ok ok ok ok ok ok ok ok"),
    }


def catch_all_methods(app: Flask) -> list[str]:
    """The methods of the API's catch-all (a JSON 404 for every actor, whatever the method)."""
    (rule, *_) = (r for r in app.url_map.iter_rules() if r.endpoint == "api.unknown_route")
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def routes(app: Flask) -> set[str]:
    """Every ``"METHOD rule"`` the app answers (HEAD and OPTIONS are Flask's own)."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    }


DENIED = {401, 403, 404, 405}


def outcome(status: int, location: str) -> str:
    if status in (301, 302, 303) and location.split("?")[0].endswith("/login"):
        return "L"
    return str(status)


def agrees(expected: str, got: str) -> bool:
    if expected == "ok":
        return got != "L" and int(got) < 500 and int(got) not in DENIED
    return expected == got


def test_every_route_has_a_row_in_the_matrix(app: Flask) -> None:
    rows = set(matrix(Ids(*([0] * len(Ids.__dataclass_fields__))), app))

    missing = routes(app) - rows

    assert not missing, f"routes without a row in the authorisation matrix: {sorted(missing)}"
    assert not rows - routes(app), f"rows for routes that do not exist: {rows - routes(app)}"


def _call(session: Session, method: str, row: Row) -> str:
    response = session.open(method, row.url, row.data)
    return outcome(response.status_code, response.headers.get("Location", ""))


def test_each_actor_gets_the_expected_answer_on_every_route(
    app: Flask, db: Database, world: World
) -> None:
    ids = build(app, db, world)
    actors = sessions(app, world)
    rows = matrix(ids, app)
    wrong: list[str] = []

    def check(key: str, actor: str, expected: str) -> None:
        method = key.split(" ", 1)[0]
        row = rows[key]
        got = _call(actors[actor], method, row)
        if not agrees(expected, got):
            wrong.append(f"{key} ({row.url}) as {actor}: expected {expected}, got {got}")

    # What is denied, and what only reads, from the saved sessions.
    for key, row in rows.items():
        for actor, expected in row.cells().items():
            if key.startswith("GET ") or expected != "ok":
                check(key, actor, expected)
    # Then what is allowed to change something, in the order of the matrix.
    for key, row in rows.items():
        for actor, expected in row.cells().items():
            if not key.startswith("GET ") and expected == "ok":
                check(key, actor, expected)

    assert not wrong, "\n".join(["authorisation matrix mismatches:", *wrong])


@pytest.mark.parametrize("actor", ["shopper_a", "operator_x"])
def test_a_session_of_one_territory_is_anonymous_on_another(
    app: Flask, db: Database, world: World, actor: str
) -> None:
    build(app, db, world)
    session = sessions(app, world)[actor]
    home = "/admin" if actor == "operator_x" else "/compte"
    assert session.open("GET", home).status_code == 200

    session.host = "montreuil.test"  # the same cookie and token, sent to territory Y
    session.client.set_cookie("session", session.cookie or "", domain=session.host)

    refused = session.open("GET", home)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert session.open("GET", "/api/v1/me").status_code == 401
