"""The core's error messages in the reader's language.

`shop_core` and `delivery` raise errors with a stable `code`, `params` and a French
message (`shop_core.errors`); an application words them itself. French pages show the
message as it is. Other languages get the app's translation of the errors a shopper meets
(basket, checkout, account), of those a courier meets on the round, of those the operator
meets on the round board and the set-up pages (rounds, depots, couriers, pickup points,
territory, returns and refunds) and of those a merchant meets (catalogue, sign-up, closures,
weighing), looked up by code for the ones built from parameters and by their French text for
the fixed ones; a message the catalogue does not know stays French rather than disappear.
`tests/web/test_english.py` checks that each French text here is still, word for word, what
the core says; `tests/web/test_english_core_errors.py` that each fixed message the core
raises is here (or elsewhere in the app) and translated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import format_date, format_decimal, gettext, ngettext

from reference_app.formatting import hour_text, reads_french
from shop_core.catalogue.csv_import import LineError
from shop_core.errors import DomainError


def N_(text: str) -> str:  # noqa: N802 - Babel's marker for "extract, translate later"
    """Mark `text` for extraction into the catalogue; it is translated where it is shown."""
    return text


# Fixed messages of `ValidationError` and `InvalidDeliveryChoice` that shoppers meet.
FIXED_MESSAGES = (
    N_("Adresse e-mail invalide."),
    N_("Indiquez votre nom."),
    N_("Un compte existe déjà avec cette adresse e-mail."),
    N_("Le nom est trop long (120 caractères au plus)."),
    N_("Numéro de téléphone trop long."),
    N_("Mot de passe manquant."),
    N_("Indiquez le nom du destinataire."),
    N_("Indiquez l'adresse."),
    N_("Le code postal doit comporter 5 chiffres."),
    N_("Indiquez la commune."),
    N_("Choisissez une date dans les deux prochains mois."),
    N_("Indiquez l'adresse de livraison."),
    N_("Indiquez le destinataire et l'adresse."),
    N_("Choisissez un créneau de livraison."),
    N_("Choisissez un point de retrait."),
    N_("Une commande à retirer en boutique ne se livre pas."),
    N_(
        "Une partie de cette commande est déjà livrée : le reste ne peut pas changer de lieu. "
        "Représentez le colis à la prochaine tournée."
    ),
    N_("Indiquez votre nom et votre adresse e-mail."),
    N_("Votre panier est vide."),
    N_("Des prix ont changé depuis l'affichage de votre panier : vérifiez le total."),
    N_("Cette demande a déjà été traitée."),
    # Met by the operator ordering for a shopper (`shop_core.accounts.assisted`, checkout).
    N_("Indiquez le nom du client."),
    N_("Indiquez un numéro de téléphone à 10 chiffres."),
    N_("Indiquez le nom du client et son téléphone ou son e-mail."),
    N_("Une commande prise pour un client se paie à la livraison ou au retrait."),
    N_("Indiquez l'adresse e-mail du client."),
    N_(
        "Ce numéro de téléphone est déjà celui d'un compte client : vérifiez qu'il ne s'agit "
        "pas de la même personne."
    ),
    N_("Ce client a déjà un mot de passe : l'animation ne peut pas changer son adresse e-mail."),
)

# Fixed messages of the core when parcels are handed over (`shop_core.orders.pickup_points`,
# `shop_core.payments.offline`): at a door, a pickup point, a shop.
HANDOVER_MESSAGES = (
    N_("Code incorrect : demandez au client le code à 4 chiffres de sa confirmation de commande."),
    N_("Indiquez le code à 4 chiffres que le client a reçu avec sa confirmation de commande."),
    N_("Cette commande n'attend plus au point de retrait."),
    N_("Indiquez comment le client a payé : espèces ou chèque."),
    # `shop_core.orders.services.transition` asked to hand parcels over without the code.
    N_(
        "Seule une remise au client, contre son code de livraison, peut marquer cette "
        "commande livrée ou retirée."
    ),
)

# Fixed messages a courier meets on the round (`delivery.stops`).
COURIER_MESSAGES = (
    N_("Cette collecte est déjà enregistrée."),
    N_("Cette livraison est déjà enregistrée."),
    N_("Indiquez ce qui s'est passé."),
    N_("Le colis est déjà destiné à ce point de retrait."),
    N_(
        "Ce point de retrait est fermé ce jour-là : choisissez-en un autre, ou représentez le "
        "colis à la prochaine tournée."
    ),
    N_("Un autre livreur a déjà pris ces colis : l'animation règle la question."),
    N_("Cette reprise est déjà enregistrée."),
    N_("Ce retour est déjà enregistré."),
    N_("Cet arrêt n'est pas un retour de colis."),
    # After a failed delivery: a refused parcel goes back to its shop, and only it.
    N_("Un colis refusé par le client ne se représente pas : il retourne à sa boutique."),
    N_(
        "Seul un colis refusé par le client retourne à sa boutique depuis la tournée : sinon, "
        "représentez-le ou déposez-le dans un point de retrait."
    ),
    N_(
        "Au point de retrait, le client n'est pas là pour refuser le colis : choisissez une "
        "autre raison."
    ),
    # A door's parcels handed over in part, the rest refused (``delivery.stops.deliver_part``).
    N_(
        "Cochez au moins une commande remise au client. S'il refuse tout, touchez « Absent ou "
        "problème » puis « Colis refusé par le client »."
    ),
    N_(
        "Les commandes de cet arrêt ont changé depuis l'affichage de la page : vérifiez-les et "
        "recommencez."
    ),
    N_("Au point de retrait, l'équipe du point prend tous les colis : aucun n'y est refusé."),
)

# Fixed messages of the core on a returned order's way back (`shop_core.orders.returns`).
RETURN_MESSAGES = (
    N_("Ces colis ne sont pas en retour vers la boutique."),
    N_("Ces colis sont déjà revenus à la boutique."),
)

# Fixed messages of the core when the operator settles a month with a shop
# (`shop_core.payments.offline.settle_month`).
SETTLEMENT_MESSAGES = (
    N_("Rien à régler pour cette boutique ce mois-ci."),
    N_(
        "Une partie de l'argent est encore chez les livreurs ou aux points de retrait : "
        "réglez une fois qu'elle a été remise."
    ),
    # `shop_core.payments.offline.hand_in_point`, on the operator's *Retraits* page.
    N_("Ce point de retrait n'a pas d'argent à remettre."),
)

# Fixed messages the operator meets on the round board (`delivery.cash`, `.replanning`,
# `.postponing`, `.transfers`), when placing an address by hand (`delivery.geocoding`) and
# when sending parcels back to their shops (`delivery.returns`).
BOARD_MESSAGES = (
    N_("Il n'y a rien à remettre pour cette tournée."),
    N_("Cette journée n'est pas encore planifiée : lancez la planification."),
    N_("Cette journée n'est pas encore planifiée : rien à reporter."),
    N_("Le plan a changé depuis : replanifiez la journée."),
    N_("Le plan ne tient plus (horaires) : replanifiez la journée."),
    N_("Le colis est déjà à bord de la tournée : il ne peut plus en changer."),
    N_("Choisissez un livreur actif du territoire."),
    N_("Les colis de cette commande ne sont pas dans un dépôt : rien à déplacer."),
    N_("Cette commande est livrée en point de retrait : corrigez la position du point."),
    N_("Latitude ou longitude impossible."),
    N_(
        "Cette position est loin du territoire : vérifiez la latitude et la longitude "
        "(ne sont-elles pas inversées ?)."
    ),
    N_(
        "Ces colis sont dans la camionnette du livreur, sur sa tournée en cours : ils ne "
        "peuvent pas être retournés d'ici. S'il ne peut pas les remettre, ils reviennent au "
        "dépôt et vous pourrez alors les retourner ; si le client les refuse à la porte, le "
        "livreur les renvoie lui-même à la boutique."
    ),
)

# Fixed messages of the rounds and depots set-up (`delivery.services`).
SETUP_MESSAGES = (
    N_("Donnez un nom au dépôt."),
    N_("Un autre dépôt porte déjà ce nom."),
    N_("Indiquez l'adresse du dépôt."),
    N_("Indiquez la latitude et la longitude, ou aucune des deux."),
    N_("Donnez un nom à la tournée."),
    N_("Une autre tournée porte déjà ce nom."),
    N_("Cochez au moins un jour de la semaine."),
    N_("L'heure de fin doit suivre l'heure de départ."),
    N_("La capacité va de 1 à 1000 colis."),
    N_("La durée maximale va de 15 minutes à 24 heures."),
)

# Fixed messages of the core on the operator's pickup points and staff accounts pages
# (`shop_core.territories`, `shop_core.accounts.staff`).
OPERATOR_MESSAGES = (
    N_("Le nom et l'adresse du point de retrait sont obligatoires."),
    N_("Code postal invalide."),
    N_("Un autre point de retrait porte déjà ce nom : choisissez-en un autre."),
    N_("Choisissez un point de retrait du territoire."),
)

# What a planning job records when it does not plan the day (`delivery.planning_jobs`),
# shown to the operator on the round board.
PLANNING_MESSAGES = (
    N_("La planification a été interrompue : relancez-la."),
    N_("La planification a échoué : réessayez ; si cela se reproduit, signalez-le."),
    N_(
        "Le service de planification ne répond pas : réessayez dans un moment ; si cela "
        "dure, prévenez l'administrateur."
    ),
    N_("Les commandes du jour ont changé pendant le calcul : relancez la planification."),
    # Also refusals of the board's changes (`delivery.plan_state`).
    N_("Cette date est passée : elle ne peut plus être planifiée."),
    N_(
        "Le plan calculé ne respecte pas toutes les contraintes : il n'a pas été enregistré. "
        "Réessayez ; si cela se reproduit, signalez-le."
    ),
)


# Fixed messages a merchant meets on the catalogue pages: a product and its categories
# (`shop_core.catalogue.services`) and the lines of a catalogue file
# (`shop_core.catalogue.csv_import`, which writes its row errors as sentences).
CATALOGUE_MESSAGES = (
    N_("Le nom du produit est obligatoire."),
    N_("Le nom du produit est trop long (140 caractères au plus)."),
    N_("Le prix doit être compris entre 0,01 € et 10 000 €."),
    N_("Indiquez le poids estimé d'une pièce (en grammes) pour un produit au poids."),
    N_("La tolérance de poids doit être entre 0 et 50 %."),
    N_("Le stock doit être un nombre positif."),
    N_("Catégorie inconnue."),
    N_("Le nom de la catégorie est obligatoire."),
    N_("Cette catégorie existe déjà."),
    N_("Le nom du produit est vide."),
    N_("Le prix est vide."),
    N_("Le stock ne peut pas être négatif."),
    N_("La première ligne est illisible."),
    N_("Ligne illisible."),
)

# Fixed messages of a shop's sign-up and settings (`shop_core.merchants.services`,
# `shop_core.weekly_hours`).
MERCHANT_MESSAGES = (
    N_("Le nom de la boutique est obligatoire."),
    N_("La raison sociale est obligatoire."),
    N_("Numéro SIREN invalide (9 chiffres)."),
    N_("Numéro SIRET invalide ou ne correspondant pas au SIREN."),
    N_("Indiquez votre numéro de TVA, ou cochez la franchise en base de TVA."),
    N_("Numéro de TVA intracommunautaire invalide pour ce SIREN."),
    N_("L'adresse de la boutique est obligatoire."),
    N_("Indiquez au moins un jour d'ouverture dans la semaine."),
    N_("Jour de la semaine invalide."),
    N_("Adresse e-mail invalide : écrivez par exemple contact@maboutique.fr."),
    # A shop's exceptional closures (`shop_core.merchants.closures`).
    N_("Le dernier jour de fermeture ne peut pas être avant le premier."),
    N_("Choisissez un premier jour à partir d'aujourd'hui."),
    N_("Une fermeture dure un an au plus."),
    # Weighing and refusing a merchant order (`shop_core.orders.services`).
    N_("Ce produit n'est pas vendu au poids."),
    N_("Indiquez un motif."),
)

# Fixed messages of the operator's returns and refunds (`shop_core.orders.returns`,
# `shop_core.payments.refunds`) and of online payment (`shop_core.payments`).
PAYMENT_MESSAGES = (
    N_("Indiquez pourquoi les colis retournent à la boutique."),
    N_("Cette commande n'a plus de colis en attente ou en échec de livraison : rien à retourner."),
    N_("Seule une commande retournée à la boutique peut être remise en vente."),
    N_("Ces articles sont déjà remis en vente."),
    N_("Indiquez un montant supérieur à zéro."),
    N_("Le remboursement a été refusé par le prestataire de paiement."),
    N_("Cette commande n'a pas été payée en ligne : rien à rembourser en ligne."),
    N_(
        "Le paiement en ligne est indisponible pour le moment : réessayez dans quelques "
        "minutes ou choisissez le paiement à la livraison."
    ),
    N_("Cette commande n'attend plus de paiement en ligne."),
    N_(
        "L'ouverture du compte de paiement est indisponible pour le moment : réessayez dans "
        "quelques minutes."
    ),
)

# Fixed messages of the operator's territory settings and delivery slots
# (`shop_core.territories.services`).
TERRITORY_MESSAGES = (
    N_("Le nom du territoire est obligatoire."),
    N_("Le nom du territoire est trop long (120 caractères au plus)."),
    N_("Le slogan est trop long (200 caractères au plus)."),
    N_("La commission doit être comprise entre 0 et 50 %."),
    N_("Code INSEE invalide."),
    N_("Le nom de la commune est trop long (120 caractères au plus)."),
    N_("L'adresse est trop longue (200 caractères au plus)."),
    N_("Le créneau doit finir après son début."),
    N_("Indiquez le nom du créneau, par exemple « Matin »."),
    N_("Le nom du créneau fait 60 caractères au plus."),
    N_(
        "Un créneau dure au moins une heure : une tournée passe à bien des portes, le livreur "
        "a besoin de cette marge pour arriver à l'heure promise."
    ),
    N_(
        "À 0 h, aucune commande ne serait jamais passée à temps pour le lendemain : pour "
        "accepter les commandes jusqu'à minuit, indiquez 23:59."
    ),
)

# Fixed messages of a shopper's account (`shop_core.accounts.profile`) and the core's
# messages of last resort (`shop_core.errors`).
ACCOUNT_MESSAGES = (
    N_("Langue inconnue."),
    N_("300 caractères au plus."),
    N_("Opération impossible."),
    N_("Action non autorisée."),
)


def shown_text(message: str) -> str:
    """A stored French message (a job's outcome) in the page's language, if catalogued."""
    return message if reads_french() else gettext(message)


#: Errors whose core message writes days as 12/12/2026: the pages word them again from the
#: error's parameters in French too (« fermé le samedi 12 décembre »).
_DATED = frozenset({"point_closed_then", "closed_then"})


def shown(error: DomainError, *, slot_names: Mapping[str, str] | None = None) -> str:
    """`error`'s message for the person reading the page, in the page's language.

    ``slot_names`` (a delivery slot's code to its text on the page) names the slots of a
    refused home-delivery slot as the page's radios do; without it, by their French labels.
    """
    if reads_french() and error.code not in _DATED:
        return str(error)
    if error.code == "slot_not_covered" and "slot" in error.params:
        return _slot_not_covered(error.params, slot_names or {})
    worded = _with_params(error)
    if worded is None:
        worded = _operators_with_params(error)
    if worded is not None:
        return worded
    return gettext(error.message)  # the French text itself when the catalogue lacks it


def shown_weights(error: DomainError) -> tuple[dict[int, str], str]:
    """`shop_core.orders.preparation.WeightsRefused` in the page's language: the message of
    each weighed line (by its id), and the one on the number of parcels ("" when right)."""
    by_line: dict[int, str] = dict(getattr(error, "by_line", {}))
    parcels: str = getattr(error, "parcels", "")
    if reads_french():
        return by_line, parcels
    values = error.params.get("lines") or {}
    worded = {
        line_id: _weighed(values[line_id]) if line_id in values else gettext(text)
        for line_id, text in by_line.items()
    }
    if parcels and error.params.get("max_parcels"):
        parcels = _parcels_out_of_range(error.params["max_parcels"])
    elif parcels:
        parcels = gettext(parcels)
    return worded, parcels


def _weighed(values: Mapping[str, Any]) -> str:
    """One weighed line's refusal (`WeightsRefused`'s ``params["lines"]``) worded again."""
    if values["what"] == "unweighed":
        return gettext(
            "Pesez « %(product)s » (%(low)s à %(high)s g).",
            product=values["product"],
            low=values["low"],
            high=values["high"],
        )
    return gettext(
        "%(weight)s g est hors tolérance pour « %(product)s » : entre %(low)s g et %(high)s g.",
        weight=values["weight"],
        product=values["product"],
        low=values["low"],
        high=values["high"],
    )


def _parcels_out_of_range(most: int) -> str:
    return gettext("Indiquez un nombre de colis entre 1 et %(max)s.", max=most)


def shown_line(error: LineError) -> str:
    """A catalogue file's line error (`shop_core.catalogue.csv_import`) in the page's
    language. The file itself is French (its columns, units, « oui »): the values quoted
    from it stay as they are."""
    if reads_french():
        return error.message
    params = error.params
    if error.code == "import_missing_columns":
        return gettext(
            "Colonnes obligatoires manquantes : %(missing)s. La première ligne doit nommer "
            "les colonnes : %(columns)s.",
            missing=params["missing"],
            columns=params["columns"],
        )
    if error.code == "import_too_many_rows":
        return gettext(
            "Trop de lignes : %(max)s produits au plus par fichier.",
            max=format_decimal(params["max"]),
        )
    if error.code == "import_cell_too_long":
        return gettext(
            "Ligne illisible : une cellule dépasse %(limit)s caractères.",
            limit=format_decimal(params["limit"]),
        )
    if error.code == "import_duplicate":
        return gettext(
            "« %(product)s » figure déjà ligne %(first)s.",
            product=params["product"],
            first=params["first"],
        )
    if error.code == "import_category_unknown":
        return gettext(
            "Catégorie « %(category)s » inconnue sur ce territoire.", category=params["category"]
        )
    if error.code == "import_unit_unknown":
        return gettext(
            "Unité « %(value)s » inconnue (%(units)s).",
            value=params["value"],
            units=params["units"],
        )
    value = params.get("value", "")
    if error.code == "import_price_decimals":
        return gettext("Prix « %(value)s » : 2 chiffres après la virgule au plus.", value=value)
    if error.code == "import_price_unreadable":
        return gettext("Prix « %(value)s » illisible (exemple : 12,50).", value=value)
    if error.code == "import_vat_unknown":
        return gettext("Taux de TVA « %(value)s » inconnu (20, 10, 5,5 ou 2,1).", value=value)
    if error.code == "import_stock_not_integer":
        return gettext("Stock « %(value)s » : nombre entier attendu.", value=value)
    if error.code == "import_weight_not_integer":
        return gettext("Poids estimé « %(value)s » : nombre de grammes attendu.", value=value)
    if error.code == "import_perishable_yes_no":
        return gettext("Périssable « %(value)s » : répondez oui ou non.", value=value)
    return gettext(error.message)  # a fixed message (CATALOGUE_MESSAGES), or French


def _delivery_refused(params: dict[str, Any]) -> str | None:
    """`InvalidDeliveryChoice` built from values worded again, by its ``reason``."""
    reason = params["reason"]
    if reason == "too_early":
        return gettext(
            "La première date possible est le %(day)s.",
            day=format_date(dt.date.fromisoformat(params["first"]), "EEEE d MMMM yyyy"),
        )
    if reason == "commune_not_delivered":
        return gettext(
            "La commune %(city)s n'est pas desservie par la livraison à domicile : choisissez "
            "un point de retrait.",
            city=params["city"],
        )
    if reason == "no_click_and_collect":
        return gettext(
            "« %(merchant)s » ne propose pas le retrait en boutique.", merchant=params["merchant"]
        )
    if reason == "shop_closed":
        return gettext("« %(merchant)s » est fermé le jour choisi.", merchant=params["merchant"])
    return None


def _no_round_then(params: dict[str, Any]) -> str:
    """`delivery.calendar.NoRoundThen` worded again: no round to the commune that day, and
    the next day one goes there."""
    commune = params["commune"]
    if not params["following"]:
        if commune:
            return gettext("Aucune tournée ne livre à %(commune)s pour le moment.", commune=commune)
        return gettext("Aucune tournée ne livre dans cette commune pour le moment.")
    day = format_date(dt.date.fromisoformat(params["following"]), "EEEE d MMMM yyyy")
    if commune:
        return gettext(
            "Pas de tournée à %(commune)s ce jour-là : prochaine livraison possible le %(day)s.",
            commune=commune,
            day=day,
        )
    return gettext(
        "Pas de tournée dans cette commune ce jour-là : prochaine livraison possible le %(day)s.",
        day=day,
    )


def _slot_not_covered(params: dict[str, Any], slot_names: Mapping[str, str]) -> str:
    """`delivery.calendar.SlotNotCovered` worded again: the slot refused that day, the
    slots a round covers there then, the next day one covers this slot; the slots by
    ``slot_names`` (by code) when it has them, else by their labels."""
    codes = params.get("other_codes") or ()
    refused = slot_names.get(params.get("slot_code", ""), params["slot"])
    labels = [
        slot_names.get(code, label) for code, label in zip(codes, params["others"], strict=True)
    ] or list(params["others"])
    day = format_date(dt.date.fromisoformat(params["day"]), "EEEE d MMMM yyyy")
    if params["commune"]:
        sentences = [
            gettext(
                "Aucune tournée ne livre à %(commune)s sur le créneau « %(slot)s » le %(day)s.",
                commune=params["commune"],
                slot=refused,
                day=day,
            )
        ]
    else:
        sentences = [
            gettext(
                "Aucune tournée ne livre dans cette commune sur le créneau « %(slot)s » le "
                "%(day)s.",
                slot=refused,
                day=day,
            )
        ]
    others = [gettext("« %(slot)s »", slot=other) for other in labels]
    if others:
        slots = others[0]
        for other in others[1:]:
            slots = gettext("%(first)s ou %(last)s", first=slots, last=other)
        sentences.append(
            gettext("Ce jour-là, la livraison est possible sur %(slots)s.", slots=slots)
        )
    if params["following"]:
        following = format_date(dt.date.fromisoformat(params["following"]), "EEEE d MMMM yyyy")
        sentences.append(
            gettext("Sur ce créneau, prochaine livraison possible le %(day)s.", day=following)
        )
    if not others and not params["following"]:
        sentences.append(
            gettext("Choisissez un point de retrait ou le retrait dans les boutiques.")
        )
    return " ".join(sentences)


def _with_params(error: DomainError) -> str | None:
    # The messages the core builds from parameters, worded again here with the same ones.
    params = error.params
    product = params.get("product")
    if error.code == "closed_then" and "merchant" in params:
        starts = dt.date.fromisoformat(params["starts"])
        ends = dt.date.fromisoformat(params["ends"])
        if starts == ends:
            return gettext(
                "« %(merchant)s » est fermé le %(day)s : choisissez un autre jour.",
                merchant=params["merchant"],
                day=format_date(starts, "d MMMM"),
            )
        return gettext(
            "« %(merchant)s » est fermé du %(starts)s au %(ends)s : choisissez un autre jour.",
            merchant=params["merchant"],
            starts=format_date(starts, "d MMMM"),
            ends=format_date(ends, "d MMMM"),
        )
    if error.code == "point_closed_then" and "point" in params:
        day = format_date(dt.date.fromisoformat(params["day"]), "EEEE d MMMM")
        if params.get("opens"):
            return gettext(
                "Le point de retrait « %(point)s » est fermé le %(day)s : il ouvre le "
                "%(opens)s. Choisissez un autre jour ou un autre point de retrait.",
                point=params["point"],
                day=day,
                opens=format_date(dt.date.fromisoformat(params["opens"]), "EEEE d MMMM"),
            )
        return gettext(
            "Le point de retrait « %(point)s » est fermé le %(day)s. Choisissez un autre "
            "jour ou un autre point de retrait.",
            point=params["point"],
            day=day,
        )
    if error.code == "opens_after_slot" and "merchant" in params:
        return gettext(
            "« %(merchant)s » n'ouvre qu'à %(opens)s ce jour-là : ses produits ne peuvent "
            "pas être livrés sur le créneau choisi. Choisissez un créneau plus tard ou un "
            "autre jour.",
            merchant=params["merchant"],
            opens=params["opens"],
        )
    if error.code == "closure_overlaps" and "starts" in params:
        return gettext(
            "Ces jours chevauchent la fermeture du %(starts)s au %(ends)s : supprimez-la "
            "d'abord, ou choisissez d'autres jours.",
            starts=format_date(dt.date.fromisoformat(params["starts"]), "d MMMM yyyy"),
            ends=format_date(dt.date.fromisoformat(params["ends"]), "d MMMM yyyy"),
        )
    if error.code == "description_too_long" and "length" in params:
        return gettext(
            "La présentation est trop longue : %(max)s caractères au plus (elle en a %(length)s).",
            max=format_decimal(params["max"]),
            length=format_decimal(params["length"]),
        )
    if error.code == "weights_refused" and "lines" in params:
        by_line, parcels = shown_weights(error)
        return " ".join([*by_line.values(), parcels]).strip()
    if error.code == "parcels_out_of_range" and "max" in params:
        return _parcels_out_of_range(params["max"])
    if error.code == "quantity_out_of_range" and "max" in params:
        return gettext(
            "La quantité doit être comprise entre 1 et %(max)s.", max=format_decimal(params["max"])
        )
    if error.code == "too_long" and "max" in params:
        return gettext("%(max)s caractères au plus.", max=format_decimal(params["max"]))
    if error.code == "invalid_delivery" and params.get("reason"):
        return _delivery_refused(params)
    if error.code == "no_round_then" and "following" in params:
        return _no_round_then(params)
    if error.code == "out_of_stock" and product is not None:
        available = params.get("available")
        if available == 0:
            return gettext(
                "Stock insuffisant pour « %(product)s » : il n'en reste plus.", product=product
            )
        if available == 1:
            return gettext(
                "Stock insuffisant pour « %(product)s » : 1 seul disponible.", product=product
            )
        return gettext(
            "Stock insuffisant pour « %(product)s » : %(available)s disponibles.",
            product=product,
            available=available,
        )
    if error.code == "product_unavailable" and product is not None:
        return gettext("« %(product)s » n'est plus proposé à la vente.", product=product)
    merchant = params.get("merchant")
    if error.code == "merchant_unavailable" and merchant is not None:
        return gettext(
            "La boutique « %(merchant)s » n'accepte pas de commandes en ce moment.",
            merchant=merchant,
        )
    if error.code == "not_ready" and params.get("at") == "collect":
        return ngettext(
            "La commande %(references)s n'est pas encore prête chez « %(shop)s » : attendez "
            "qu'elle soit marquée prête, ou partez sans elle.",
            "%(num)s commandes ne sont pas encore prêtes chez « %(shop)s » (%(references)s) : "
            "attendez qu'elles soient marquées prêtes, ou partez sans elles.",
            params["count"],
            references=params["references"],
            shop=params["shop"],
        )
    if error.code == "not_ready" and params.get("at") == "deliver":
        return gettext(
            "La commande %(reference)s n'a pas été collectée chez « %(shop)s » : enregistrez "
            "d'abord la collecte.",
            reference=params["references"],
            shop=params["shop"],
        )
    if error.code == "not_ready" and params.get("at") == "bring_back":
        return gettext(
            "Les colis de la commande %(reference)s n'ont pas été repris au point de retrait : "
            "enregistrez d'abord la reprise.",
            reference=params["references"],
        )
    if error.code == "not_yet_its_day" and "date" in params:
        return gettext(
            "Cette tournée est prévue le %(day)s : les colis ne sont pas encore à bord. Vous "
            "pourrez enregistrer cet arrêt ce jour-là.",
            day=format_date(dt.date.fromisoformat(params["date"]), "EEEE d MMMM yyyy"),
        )
    if error.code == "unknown_postal_code" and "postal_code" in params:
        return gettext(
            "Le code postal %(postal_code)s ne correspond à aucune commune que nous livrons : "
            "vérifiez-le.",
            postal_code=params["postal_code"],
        )
    if error.code == "commune_not_at_postal_code" and "names" in params:
        return gettext(
            "Nous ne trouvons pas « %(city)s » avec le code postal %(postal_code)s. Communes "
            "de ce code postal : %(names)s.",
            city=params["city"],
            postal_code=params["postal_code"],
            names=params["names"],
        )
    if error.code == "orders_still_running" and params.get("count", 1) > 1:
        return gettext(
            "Des commandes sont encore en cours (%(references)s) : attendez de les avoir "
            "reçues, ou annulez-les, avant de supprimer votre compte.",
            references=params["references"],
        )
    if error.code == "orders_still_running" and "references" in params:
        return gettext(
            "Une commande est encore en cours (%(references)s) : attendez de l'avoir reçue, "
            "ou annulez-la, avant de supprimer votre compte.",
            references=params["references"],
        )
    return None


def _operators_with_params(error: DomainError) -> str | None:
    # The refusals of the round board and the depots' set-up built from parameters.
    params = error.params
    if error.code == "far_from_commune" and "city" in params:
        return gettext(
            "Ces coordonnées sont à %(km)s km de %(city)s : vérifiez la latitude et la "
            "longitude, ou laissez-les vides.",
            km=params["km"],
            city=params["city"],
        )
    if error.code == "round_cannot_take" and "round" in params:
        return gettext(
            "La tournée « %(round)s » ne peut pas prendre cette commande ce jour-là "
            "(colis, horaires ou durée).",
            round=params["round"],
        )
    if error.code == "parcels_at_depot" and params.get("depot"):
        return gettext(
            "Les colis de cette commande attendent au dépôt « %(depot)s » : seule une tournée "
            "qui en part, et qui n'est pas encore partie, peut les prendre.",
            depot=params["depot"],
        )
    if error.code == "parcels_at_depot":
        return gettext(
            "Les colis de cette commande attendent au dépôt : seule une tournée qui en part, "
            "et qui n'est pas encore partie, peut les prendre."
        )
    if error.code == "courier_busy" and "this_starts" in params:
        return gettext(
            "%(courier)s fait déjà la tournée « %(round)s » à des heures qui se chevauchent "
            "(%(starts)s – %(ends)s ; celle-ci : %(this_starts)s – %(this_ends)s).",
            courier=params["courier"],
            round=params["round"],
            **{
                key: hour_text(dt.time.fromisoformat(params[key]))
                for key in ("starts", "ends", "this_starts", "this_ends")
            },
        )
    if error.code == "planned_from_depot" and params.get("runs"):
        runs = ", ".join(
            gettext(
                "« %(round)s » du %(date)s",
                round=run["round"],
                date=format_date(dt.date.fromisoformat(run["date"]), "d MMMM"),
            )
            for run in params["runs"]
        )
        return gettext(
            "Cette commande est prévue sur la tournée %(runs)s, qui prend les colis là où ils "
            "sont : retirez-la de cette tournée (replanifiez) avant de les déplacer.",
            runs=runs,
        )
    if error.code == "slot_name_taken" and "slot" in params:
        return gettext(
            "Le créneau « %(slot)s » porte déjà ce nom : choisissez-en un autre.",
            slot=params["slot"],
        )
    if error.code == "slot_overlaps" and "slot" in params:
        return gettext(
            "Ces heures chevauchent le créneau « %(slot)s » (%(starts)s – %(ends)s) : un "
            "créneau commence quand le précédent finit, ou après.",
            slot=params["slot"],
            starts=hour_text(dt.time.fromisoformat(params["starts"])),
            ends=hour_text(dt.time.fromisoformat(params["ends"])),
        )
    if error.code == "commune_not_served" and "city" in params:
        return gettext(
            "%(city)s n'est pas une commune desservie par le territoire : ajoutez-la d'abord "
            "aux communes desservies, ou choisissez un point dans l'une d'elles.",
            city=params["city"],
        )
    if error.code == "slug_taken" and "slug" in params:
        return gettext("L'adresse « %(slug)s » est déjà prise.", slug=params["slug"])
    if error.code == "already_at_depot" and "depot" in params:
        return gettext("Les colis sont déjà au dépôt « %(depot)s ».", depot=params["depot"])
    if error.code == "commune_not_found" and "postal_code" in params:
        return gettext(
            "Commune « %(city)s » (%(postal_code)s) introuvable : vérifiez le code postal et "
            "le nom, ou indiquez la position.",
            city=params["city"],
            postal_code=params["postal_code"],
        )
    return None
