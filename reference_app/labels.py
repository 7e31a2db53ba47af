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


def translate(label: str) -> str:
    """The label in the request's language (French labels are the message ids)."""
    return str(gettext(label))
