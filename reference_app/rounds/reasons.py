"""Why an order was not planned, or kept on its day, in the reader's language.

The delivery package stores these reasons in French (``Unplanned.reason``, ``Kept.reason``)
for apps that need no translation; the board shows them from their code and the order's
details, so that an English page reads English. In French the text is the stored one.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from delivery.problem import UnassignedReason
from delivery.queries import UnplannedView
from reference_app.labels import translate

# The planner's fixed reasons (``delivery.planning.REASONS_FR``) and the reasons the nightly
# postponing keeps an order on its day (``delivery.postponing``), marked for extraction.
MARKED = (
    _l("Aucune tournée ne circule ce jour-là."),
    _l("Adresse introuvable : indiquez la position sur la carte."),
    _l("La boutique est fermée ce jour-là."),
    _l("Le point de retrait est fermé ce jour-là."),
    _l("Trop tard pour passer à la boutique aujourd'hui."),
    _l(
        "Les colis attendent au dépôt : aucune tournée de ce jour n'en part, "
        "ou elles sont déjà parties."
    ),
    _l("Plus de colis que n'en prend une tournée."),
    _l("Aucune tournée de ce jour ne dessert cette commune."),
    _l("Horaires incompatibles : créneau, ouverture de la boutique et horaires des tournées."),
    _l("Tournées complètes ce jour-là (colis ou durée)."),
    _l("Adresse introuvable : indiquez d'abord sa position sur la carte."),
    _l("Plus de colis que n'en prend une tournée, quel que soit le jour : voyez avec le client."),
    _l("Une autre boutique de cette commande est livrée ce jour-là : décidez avec le client."),
    _l(
        "Aucune tournée ne dessert cette adresse, boutiques ouvertes, dans les deux semaines : "
        "voyez avec le client."
    ),
)


def unplanned_reason(u: UnplannedView) -> str:
    """The reason ``u`` was not planned, as ``delivery.planning.describe_unplanned`` words it."""
    code = u.reason_code
    if code == "merchant_closed":
        return _("La boutique « %(shop)s » est fermée ce jour-là.", shop=u.merchant)
    if code == "point_closed" and u.point:
        return _("Le point de retrait « %(point)s » est fermé ce jour-là.", point=u.point)
    if code == UnassignedReason.NOT_ALLOWED.value and u.city:
        return _("Aucune tournée de ce jour ne dessert %(city)s.", city=u.city)
    if code == UnassignedReason.TOO_LARGE.value and u.parcels:
        return _("%(n)s colis : plus que n'en prend une tournée.", n=u.parcels)
    if code == "held_at_depot" and u.depot:
        return _(
            "Les colis attendent au dépôt « %(depot)s » : aucune tournée de ce jour n'en part, "
            "ou elles sont déjà parties.",
            depot=u.depot,
        )
    return translate(u.reason)
