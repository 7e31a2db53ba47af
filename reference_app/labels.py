"""Translatable labels of the core's enums.

The core carries French labels (``TRADE_LABELS_FR`` …) for apps that need no translation;
this app passes them through gettext. The list below only marks them for extraction.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

MARKED = (
    # trades
    _l("Boulangerie-pâtisserie"),
    _l("Boucherie"),
    _l("Charcuterie"),
    _l("Fromagerie"),
    _l("Ferme"),
    _l("Ferme maraîchère"),
    _l("Épicerie"),
    _l("Poissonnerie"),
    _l("Fleuriste"),
    _l("Brasserie artisanale"),
    _l("Caviste"),
    _l("Artisan"),
    _l("Librairie"),
    _l("Autre commerce"),
    # units
    _l("pièce"),
    _l("kg"),
    _l("100 g"),
    _l("litre"),
    _l("botte"),
    _l("douzaine"),
    _l("pot"),
    _l("bouteille"),
    _l("barquette"),
    # merchant order statuses
    _l("Passée"),
    _l("Payée"),
    _l("Acceptée"),
    _l("En préparation"),
    _l("Prête"),
    _l("Remise au livreur"),
    _l("Livrée"),
    _l("Retirée"),
    _l("Refusée"),
    _l("Annulée"),
    _l("Échec de livraison"),
    _l("Retournée"),
)


# Reasons the app and the delivery package store in an order's history in French.
REASONS = (
    _l("Annulée par le client"),
    _l("Annulée par l'animation pour le client"),
    _l("Nouvelle présentation"),
    _l("Colis retourné à la boutique"),
    _l("Colis déjà revenus à la boutique"),
    _l("Pas prête au passage du livreur"),
)


def translate(label: str) -> str:
    """The label in the request's language (French labels are the message ids)."""
    return str(gettext(label))


def history_reason(reason: str) -> str:
    """A reason stored in an order's history, in the reader's language when it is one the
    app words (a fixed reason, or a refusal or failure label followed by the details typed
    after « : »); else as it was written."""
    worded = translate(reason)
    if worded != reason or " : " not in reason:
        return worded
    label, details = reason.split(" : ", 1)
    head = translate(label)
    if head == label:
        return reason
    return str(gettext("%(label)s : %(details)s", label=head, details=details))
