"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand next to the views: the tests check it is a valid OpenAPI document, that it
lists exactly the API's routes, that each operation is exercised, and that every response
the tests receive matches the schema documented for its status.
"""

from __future__ import annotations

from typing import Any

from shop_core.catalogue.model import Unit
from shop_core.merchants.model import Trade
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, PaymentStatus

Schema = dict[str, Any]

PREFIX = "/api/v1"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """A closed object whose properties are all required but ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
ID: Schema = {"type": "integer", "minimum": 1}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}


def _text(max_length: int, **extra: Any) -> Schema:
    return {"type": "string", "maxLength": max_length, **extra}


SCHEMAS: dict[str, Schema] = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "code": {
                        "type": "string",
                        "description": "Code stable, à tester par les programmes "
                        "(out_of_stock, invalid, not_found, unauthorized, invalid_token, "
                        "forbidden, invalid_json, invalid_delivery, no_round_then, "
                        "slot_not_covered, empty_basket, rate_limited…).",
                    },
                    "message": {"type": "string", "description": "Message en français."},
                    "field": {
                        "type": ["string", "null"],
                        "description": "Le champ en cause (ex. « delivery.date »), s'il y en a un.",
                    },
                }
            )
        }
    ),
    "Amount": _obj(
        {
            "cents": {"type": "integer", "description": "Montant TTC en centimes d'euro."},
            "formatted": {"type": "string", "examples": ["12,50\u00a0€"]},
        }
    ),
    "VatRate": _obj(
        {
            "percent": {"type": "string", "enum": ["20", "10", "5.5", "2.1"]},
            "label": {"type": "string", "examples": ["5,5\u00a0%"]},
        }
    ),
    "MerchantBrief": _obj(
        {
            "id": ID,
            "slug": STRING,
            "name": STRING,
            "trade": {"type": "string", "enum": [t.value for t in Trade]},
            "trade_label": STRING,
            "city": STRING,
        }
    ),
    "Product": _obj(
        {
            "id": ID,
            "slug": STRING,
            "name": STRING,
            "description": STRING,
            "price": _ref("Amount"),
            "unit": {"type": "string", "enum": [u.value for u in Unit]},
            "unit_label": STRING,
            "vat_rate": _ref("VatRate"),
            "sold_by_weight": BOOLEAN,
            "estimated_weight_g": {
                "type": ["integer", "null"],
                "description": "Poids estimé d'une pièce, pour les produits vendus au poids.",
            },
            "estimated_price": {
                **_ref("Amount"),
                "description": "Prix d'une pièce commandée (estimé pour les produits au poids).",
            },
            "track_stock": BOOLEAN,
            "stock_quantity": {"type": ["integer", "null"], "description": "null : non suivi."},
            "on_sale": BOOLEAN,
            "available": BOOLEAN,
            "perishable": {
                "type": "boolean",
                "description": "Denrée périssable : pas de droit de rétractation.",
            },
            "category": _nullable(_obj({"id": ID, "slug": STRING, "name": STRING})),
            "merchant": _ref("MerchantBrief"),
            "photos": _array(
                _obj({"url": STRING, "thumb_url": {"type": ["string", "null"]}, "alt": STRING})
            ),
        }
    ),
    "ProductPage": _obj(
        {
            "products": _array(_ref("Product")),
            "total": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
            "query": {"type": ["string", "null"]},
            # A search counts its first 1,000 matches: true when there are more.
            "more": BOOLEAN,
        }
    ),
    "Basket": _obj(
        {
            "item_count": INTEGER,
            "total": _ref("Amount"),
            "has_problems": {
                "type": "boolean",
                "description": "Un produit n'est plus en vente ou le stock ne suffit plus.",
            },
            "prices_changed": BOOLEAN,
            "groups": _array(
                _obj(
                    {
                        "merchant": _ref("MerchantBrief"),
                        "subtotal": _ref("Amount"),
                        "lines": _array(
                            _obj(
                                {
                                    "product": _ref("Product"),
                                    "quantity": INTEGER,
                                    "unit_price": _ref("Amount"),
                                    "price_seen": _ref("Amount"),
                                    "price_changed": BOOLEAN,
                                    "total": _ref("Amount"),
                                    "available": BOOLEAN,
                                    "stock_short": BOOLEAN,
                                }
                            )
                        ),
                    }
                ),
                description="Une boutique par groupe : chaque boutique prépare sa commande.",
            ),
        }
    ),
    "Address": _obj(
        {
            "id": ID,
            "label": STRING,
            "recipient": STRING,
            "line1": STRING,
            "line2": STRING,
            "postal_code": STRING,
            "city": STRING,
            "insee_code": {"type": ["string", "null"]},
            "phone": STRING,
            "instructions": STRING,
            "approximate": BOOLEAN,
        }
    ),
    "User": _obj(
        {
            "id": ID,
            "email": STRING,
            "full_name": STRING,
            "phone": STRING,
            "role": {"type": "string", "enum": ["shopper", "merchant", "courier", "operator"]},
            "addresses": _array(_ref("Address")),
        }
    ),
    "Token": _obj(
        {
            "token": {"type": "string", "description": "À envoyer dans « Authorization: Bearer »."},
            "token_type": {"type": "string", "const": "Bearer"},
            "expires_in": {"type": "integer", "description": "Durée de validité en secondes."},
            "user": _ref("User"),
        }
    ),
    "PickupPoint": _obj(
        {
            "id": ID,
            "name": STRING,
            "kind": STRING,
            "address": STRING,
            "postal_code": STRING,
            "city": STRING,
            "opening_notes": STRING,
        }
    ),
    "Territory": _obj(
        {
            "name": STRING,
            "slug": STRING,
            "tagline": STRING,
            "primary_color": STRING,
            "accent_color": STRING,
            "currency": STRING,
            "order_cutoff": {"type": "string", "examples": ["18:00"]},
            "earliest_date": {**DATE, "description": "Première date de livraison possible."},
            "slots": _array(
                _obj({"code": STRING, "label": STRING, "starts": STRING, "ends": STRING})
            ),
            "pickup_points": _array(_ref("PickupPoint")),
            "communes": _array(
                _obj({"insee_code": STRING, "postal_code": STRING, "name": STRING}),
                description="Communes desservies par la livraison à domicile.",
            ),
        }
    ),
    "MerchantOrderSummary": _obj(
        {
            "id": ID,
            "reference": STRING,
            "merchant": _ref("MerchantBrief"),
            "status": {"type": "string", "enum": [s.value for s in MerchantOrderStatus]},
            "status_label": STRING,
            "total_incl": _ref("Amount"),
        }
    ),
    "MerchantOrder": _obj(
        {
            "id": ID,
            "reference": STRING,
            "merchant": _ref("MerchantBrief"),
            "status": {"type": "string", "enum": [s.value for s in MerchantOrderStatus]},
            "status_label": STRING,
            "total_incl": _ref("Amount"),
            "total_excl": _ref("Amount"),
            "total_vat": _ref("Amount"),
            "lines": _array(
                _obj(
                    {
                        "product_id": {"type": ["integer", "null"]},
                        "name": STRING,
                        "unit": {"type": "string", "enum": [u.value for u in Unit]},
                        "unit_label": STRING,
                        "quantity": INTEGER,
                        "unit_price": _ref("Amount"),
                        "vat_rate": _ref("VatRate"),
                        "sold_by_weight": BOOLEAN,
                        "estimated_weight_g": {"type": ["integer", "null"]},
                        "final_weight_g": {"type": ["integer", "null"]},
                        "total": _ref("Amount"),
                        "perishable": BOOLEAN,
                    }
                )
            ),
            "vat": _array(
                _obj(
                    {
                        "rate": _ref("VatRate"),
                        "excl": _ref("Amount"),
                        "vat": _ref("Amount"),
                        "incl": _ref("Amount"),
                    }
                )
            ),
        }
    ),
    "Order": _obj(
        {
            "id": ID,
            "reference": STRING,
            "placed_at": DATETIME,
            "delivery": _obj(
                {
                    "method": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                    "method_label": STRING,
                    "date": DATE,
                    "slot": {"type": ["string", "null"]},
                    "slot_label": {"type": ["string", "null"]},
                    "pickup_point": _nullable(_ref("PickupPoint")),
                    "address": _nullable(
                        _obj(
                            {
                                "recipient": STRING,
                                "line1": STRING,
                                "line2": STRING,
                                "postal_code": STRING,
                                "city": STRING,
                                "instructions": STRING,
                            }
                        )
                    ),
                    "code": {
                        "type": "string",
                        "description": "Code à donner au livreur ou au point de retrait.",
                    },
                }
            ),
            "payment": _obj(
                {
                    "method": {"type": "string", "enum": ["offline", "online"]},
                    "status": {"type": "string", "enum": [s.value for s in PaymentStatus]},
                }
            ),
            "totals": _obj({"excl": _ref("Amount"), "vat": _ref("Amount"), "incl": _ref("Amount")}),
            "merchant_orders": _array(
                _ref("MerchantOrder"),
                description="Une commande par boutique, préparée et facturée par elle.",
            ),
        }
    ),
    "OrderPage": _obj(
        {
            "orders": _array(
                _obj(
                    {
                        "id": ID,
                        "reference": STRING,
                        "placed_at": DATETIME,
                        "delivery_method": {
                            "type": "string",
                            "enum": [m.value for m in DeliveryMethod],
                        },
                        "delivery_date": DATE,
                        "total": _ref("Amount"),
                        "merchant_orders": _array(_ref("MerchantOrderSummary")),
                    }
                )
            ),
            "total": INTEGER,
            "page": INTEGER,
            "per_page": INTEGER,
        }
    ),
    # --- request bodies ---
    "TokenRequest": _obj({"email": _text(254), "password": _text(200)}),
    "AccountRequest": _obj(
        {
            "email": _text(254),
            "full_name": _text(120),
            "password": _text(
                200,
                minLength=10,
                description="Refused (422) when too easy to guess: a run of one character, "
                "a keyboard row, a common word with digits, the account's name or e-mail.",
            ),
            "phone": _nullable(_text(30)),
        },
        optional=("phone",),
    ),
    "ProductCreate": _obj(
        {
            "name": _text(140),
            "description": _nullable(_text(5000)),
            "price_cents": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1_000_000,
                "description": "Prix TTC en centimes, par unité (par kg pour un produit au kg).",
            },
            "vat_rate": {
                "type": ["string", "number"],
                "enum": ["20", "10", "5.5", "5,5", "2.1", "2,1", 20, 10, 5.5, 2.1],
                "description": "Taux de TVA en pourcentage.",
            },
            "unit": _nullable({"type": "string", "enum": [u.value for u in Unit]}),
            "stock_quantity": {
                "type": ["integer", "null"],
                "minimum": 0,
                "maximum": 1_000_000,
                "description": "Quantité disponible ; null : stock non suivi.",
            },
            "estimated_weight_g": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": 100_000,
                "description": "Obligatoire pour les unités de poids (kg, 100g).",
            },
            "weight_tolerance_pct": {"type": ["integer", "null"], "minimum": 0, "maximum": 50},
            "category_id": _nullable(ID),
            "perishable": _nullable(BOOLEAN),
            "active": _nullable(BOOLEAN),
            "merchant_id": {
                **_nullable(ID),
                "description": "Utile seulement à qui travaille pour plusieurs boutiques.",
            },
        },
        optional=(
            "description",
            "unit",
            "estimated_weight_g",
            "weight_tolerance_pct",
            "category_id",
            "perishable",
            "active",
            "merchant_id",
        ),
    ),
    "BasketReplace": _obj(
        {
            "items": _array(
                _obj({"product_id": ID, "quantity": {"type": "integer", "minimum": 1}}),
                maxItems=200,
            )
        }
    ),
    "BasketItemAdd": _obj(
        {"product_id": ID, "quantity": {"type": ["integer", "null"], "minimum": 1}},
        optional=("quantity",),
    ),
    "BasketItemSet": _obj(
        {"quantity": {"type": "integer", "minimum": 0, "description": "0 retire le produit."}}
    ),
    "AddressInput": _obj(
        {
            "recipient": _text(120),
            "line1": _text(200),
            "line2": _nullable(_text(200)),
            "postal_code": {"type": "string", "pattern": "^[0-9]{5}$"},
            "city": _text(120),
            "instructions": _nullable(_text(300)),
        },
        optional=("line2", "instructions"),
    ),
    "CheckoutRequest": _obj(
        {
            "delivery": _obj(
                {
                    "method": {"type": "string", "enum": [m.value for m in DeliveryMethod]},
                    "date": DATE,
                    "slot": {
                        "type": "string",
                        "description": "Livraison à domicile : code d'un créneau du territoire.",
                    },
                    "address_id": {
                        **ID,
                        "description": "Livraison à domicile : une adresse enregistrée…",
                    },
                    "address": {
                        **_ref("AddressInput"),
                        "description": "… ou une adresse saisie (une des deux).",
                    },
                    "pickup_point_id": {**ID, "description": "Point de retrait choisi."},
                },
                optional=("slot", "address_id", "address", "pickup_point_id"),
            ),
            "payment_method": _nullable(
                {
                    "type": "string",
                    "enum": ["offline"],
                    "description": "Paiement à la livraison ou au retrait.",
                }
            ),
            "expected_total_cents": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Le total affiché : si les prix ont changé, 409 prices_changed.",
            },
        },
        optional=("payment_method", "expected_total_cents"),
    ),
}

_ERROR_TEXTS = {
    400: "Corps de requête illisible (JSON invalide ou pas un objet).",
    401: "Jeton absent, invalide ou expiré, ou identifiants incorrects.",
    403: "Rôle insuffisant.",
    404: "Ressource introuvable (ou appartenant à quelqu'un d'autre).",
    409: "Conflit avec l'état actuel : stock insuffisant, produit retiré, panier vide, "
    "prix modifiés…",
    413: "Requête trop volumineuse.",
    422: "Champ manquant, mal typé, hors limites ou refusé par les règles métier.",
    429: "Trop de tentatives : le message dit combien de temps attendre, l'en-tête "
    "Retry-After en secondes.",
}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[int, Schema],
    errors: tuple[int, ...],
    *,
    security: str = "bearer",
    parameters: list[Schema] | None = None,
    body: str | None = None,
    description: str | None = None,
) -> Schema:
    operation: Schema = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    operation["security"] = {
        "bearer": [{"bearerAuth": []}],
        "optional": [{}, {"bearerAuth": []}],
        "none": [],
    }[security]
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    all_responses = {str(code): response for code, response in responses.items()}
    for code in errors:
        all_responses[str(code)] = {"$ref": f"#/components/responses/Error{code}"}
    operation["responses"] = all_responses
    return operation


def _path_id(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": ID,
    }


_PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Numéro de page, à partir de 1.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": "Éléments par page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
]

_BODY_ERRORS = (400, 401, 413, 422)


def _paths() -> dict[str, Schema]:
    basket = _json(_ref("Basket"), "Le panier, groupé par boutique.")
    order = _json(_ref("Order"), "La commande et ses commandes par boutique.")
    return {
        "/openapi.json": {
            "get": _operation(
                "getOpenApi",
                "Cette description OpenAPI",
                "Territoire",
                {200: _json({"type": "object"}, "Le document OpenAPI 3.1.")},
                (),
                security="none",
            )
        },
        "/territory": {
            "get": _operation(
                "getTerritory",
                "Le territoire : créneaux, points de retrait, communes desservies",
                "Territoire",
                {200: _json(_ref("Territory"), "Le territoire servi à cette adresse.")},
                (),
                security="none",
            )
        },
        "/token": {
            "post": _operation(
                "createToken",
                "Obtenir un jeton (connexion)",
                "Compte",
                {200: _json(_ref("Token"), "Jeton et compte.")},
                (400, 401, 413, 422, 429),
                security="none",
                body="TokenRequest",
                description="Les échecs (mot de passe refusé) sont comptés avec ceux de la "
                "connexion du site, par compte et par adresse ; une réussite ne compte pas. "
                "Le jeton expire après "
                "API_TOKEN_MAX_AGE secondes, ou dès que le compte se déconnecte partout ou "
                "change de mot de passe.",
            ),
            "delete": _operation(
                "revokeTokens",
                "Se déconnecter partout",
                "Compte",
                {204: {"description": "Tous les jetons et sessions du compte sont révoqués."}},
                (401,),
            ),
        },
        "/accounts": {
            "post": _operation(
                "createAccount",
                "Créer un compte client",
                "Compte",
                {201: _json(_ref("Token"), "Le compte créé et un jeton.")},
                (400, 413, 422, 429),
                security="none",
                body="AccountRequest",
            )
        },
        "/me": {
            "get": _operation(
                "getMe",
                "Mon compte et mes adresses",
                "Compte",
                {200: _json(_ref("User"), "Le compte du jeton.")},
                (401,),
            )
        },
        "/products": {
            "get": _operation(
                "listProducts",
                "Chercher dans le catalogue du territoire",
                "Catalogue",
                {200: _json(_ref("ProductPage"), "Une page de produits en vente.")},
                (422,),
                security="none",
                parameters=[
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "Mots cherchés (accents et pluriels indifférents). "
                        "Sans q : tout le catalogue, par nom.",
                        "schema": {"type": "string", "maxLength": 200},
                    },
                    *_PAGING,
                ],
            )
        },
        "/products/{product_id}": {
            "get": _operation(
                "getProduct",
                "Un produit",
                "Catalogue",
                {200: _json(_ref("Product"), "Le produit.")},
                (401, 404),
                security="optional",
                parameters=[_path_id("product_id", "Identifiant du produit.")],
                description="Les produits en vente ; le commerçant voit aussi ses produits "
                "désactivés.",
            )
        },
        "/merchant/products": {
            "post": _operation(
                "createMerchantProduct",
                "Créer un produit (commerçant)",
                "Catalogue",
                {201: _json(_ref("Product"), "Le produit créé.")},
                (*_BODY_ERRORS, 403, 404),
                body="ProductCreate",
            )
        },
        "/basket": {
            "get": _operation("getBasket", "Mon panier", "Panier", {200: basket}, (401,)),
            "post": _operation(
                "replaceBasket",
                "Remplacer tout le panier",
                "Panier",
                {200: basket},
                (*_BODY_ERRORS, 404, 409),
                body="BasketReplace",
                description="Tout ou rien : si un produit est refusé, le panier ne change pas.",
            ),
        },
        "/basket/items": {
            "post": _operation(
                "addBasketItem",
                "Ajouter un produit au panier",
                "Panier",
                {200: basket},
                (*_BODY_ERRORS, 404, 409),
                body="BasketItemAdd",
            )
        },
        "/basket/items/{product_id}": {
            "put": _operation(
                "setBasketItem",
                "Changer la quantité d'un produit (0 le retire)",
                "Panier",
                {200: basket},
                (*_BODY_ERRORS, 404, 409),
                parameters=[_path_id("product_id", "Identifiant du produit.")],
                body="BasketItemSet",
            ),
            "delete": _operation(
                "removeBasketItem",
                "Retirer un produit du panier",
                "Panier",
                {200: basket},
                (401, 404),
                parameters=[_path_id("product_id", "Identifiant du produit.")],
            ),
        },
        "/checkout": {
            "post": _operation(
                "checkout",
                "Commander le panier",
                "Commandes",
                {201: order, 200: _json(_ref("Order"), "Requête rejouée : la même commande.")},
                (*_BODY_ERRORS, 404, 409, 429),
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Clé choisie par le client : rejouer la requête avec "
                        "la même clé renvoie la même commande au lieu d'en créer une autre.",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
                    }
                ],
                body="CheckoutRequest",
                description="Une commande par boutique ; paiement à la livraison ou au retrait.",
            )
        },
        "/orders": {
            "get": _operation(
                "listOrders",
                "Mes commandes, les plus récentes d'abord",
                "Commandes",
                {200: _json(_ref("OrderPage"), "Une page de commandes.")},
                (401, 422),
                parameters=_PAGING,
            )
        },
        "/orders/{order_id}": {
            "get": _operation(
                "getOrder",
                "Une de mes commandes",
                "Commandes",
                {200: order},
                (401, 404),
                parameters=[_path_id("order_id", "Identifiant de la commande.")],
            )
        },
    }


def document() -> Schema:
    """The OpenAPI document (a fresh dict each call)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cabas — API du commerce local",
            "version": "1.0.0",
            "description": "Catalogue, panier multi-boutiques, commande et suivi pour les "
            "applications des clients et des commerçants d'un territoire. Montants en "
            "centimes (TTC) avec leur forme française ; erreurs en JSON "
            '{"error": {"code", "message", "field"}} avec un code stable et un message en '
            "français.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "Compte"},
            {"name": "Catalogue"},
            {"name": "Panier"},
            {"name": "Commandes"},
            {"name": "Territoire"},
        ],
        "paths": {f"{PREFIX}{path}": item for path, item in _paths().items()},
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"Error{code}": _json(_ref("Error"), text) for code, text in _ERROR_TEXTS.items()
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Jeton obtenu par POST /api/v1/token ou /api/v1/accounts.",
                }
            },
        },
    }
