"""Catalogue services: categories and products, stock levels, archive."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace

from sqlalchemy import or_, select

from shop_core.audit.services import Actor, record
from shop_core.catalogue.model import Category, Product, ProductPhoto, Unit
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.money import Money
from shop_core.names import name_key
from shop_core.persistence.uow import UnitOfWork
from shop_core.slugs import slugify
from shop_core.vat import VatRate

MAX_PRICE_CENTS = 1_000_000  # 10 000 €: above that it is a typing mistake
MAX_STOCK = 1_000_000


@dataclass(slots=True)
class ProductInput:
    """The fields of a product as a merchant fills them in."""

    name: str
    price_cents: int
    vat_rate: VatRate = VatRate.REDUCED
    unit: Unit = Unit.PIECE
    description: str = ""
    category_id: int | None = None
    estimated_weight_g: int | None = None
    weight_tolerance_pct: int = 15
    track_stock: bool = True
    stock_quantity: int = 0
    active: bool = True
    no_withdrawal: bool = False

    @property
    def sold_by_weight(self) -> bool:
        return self.unit.grams is not None

    def validate(self) -> None:
        """Raise ``ValidationError`` naming the first wrong field."""
        found = self.problems()
        if found:
            raise found[0]

    def problems(self) -> list[ValidationError]:
        """Every wrong field's error, in the form's order (a form shows them all at once)."""
        found = []
        if not self.name.strip():
            found.append(ValidationError("Le nom du produit est obligatoire.", field="name"))
        elif len(self.name.strip()) > 140:
            found.append(
                ValidationError(
                    "Le nom du produit est trop long (140 caractères au plus).", field="name"
                )
            )
        if not isinstance(self.price_cents, int) or not 0 < self.price_cents <= MAX_PRICE_CENTS:
            found.append(
                ValidationError(
                    "Le prix doit être compris entre 0,01 € et 10 000 €.", field="price"
                )
            )
        if self.sold_by_weight:
            if not self.estimated_weight_g or not 0 < self.estimated_weight_g <= 100_000:
                found.append(
                    ValidationError(
                        "Indiquez le poids estimé d'une pièce (en grammes) pour un produit au "
                        "poids.",
                        field="estimated_weight_g",
                    )
                )
            if not 0 <= self.weight_tolerance_pct <= 50:
                found.append(
                    ValidationError(
                        "La tolérance de poids doit être entre 0 et 50 %.",
                        field="weight_tolerance_pct",
                    )
                )
        if self.track_stock and not 0 <= self.stock_quantity <= MAX_STOCK:
            found.append(
                ValidationError("Le stock doit être un nombre positif.", field="stock_quantity")
            )
        return found


def _unique_product_slug(
    uow: UnitOfWork, merchant_id: int, name: str, exclude: int | None = None
) -> str:
    base = slugify(name, max_length=120)
    slug, n = base, 1
    while True:
        query = select(Product.id).where(Product.merchant_id == merchant_id, Product.slug == slug)
        if exclude is not None:
            query = query.where(Product.id != exclude)
        if uow.session.scalar(query) is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def _check_category(uow: UnitOfWork, merchant: Merchant, category_id: int | None) -> None:
    if category_id is None:
        return
    category = uow.session.get(Category, category_id)
    if category is None or category.territory_id != merchant.territory_id:
        raise ValidationError("Catégorie inconnue.", field="category_id")


def create_category(*, uow: UnitOfWork, territory_id: int, name: str, position: int = 0) -> int:
    """Create a category of the territory's catalogue."""
    if not name.strip():
        raise ValidationError("Le nom de la catégorie est obligatoire.", field="name")
    slug = slugify(name)
    existing = uow.session.execute(
        select(Category.slug, Category.name).where(Category.territory_id == territory_id)
    ).all()
    # By name too: a category stored before « œ » was spelled « oe » in slugs kept its old
    # slug (« …-et-ufs »), which the same name no longer gives.
    if any(row.slug == slug or name_key(row.name) == name_key(name) for row in existing):
        raise ValidationError("Cette catégorie existe déjà.", field="name")
    category = Category(territory_id=territory_id, slug=slug, name=name.strip(), position=position)
    uow.session.add(category)
    uow.commit()
    return category.id


def create_product(
    *, uow: UnitOfWork, merchant_id: int, data: ProductInput, actor: Actor, commit: bool = True
) -> int:
    """Create a product for a merchant and return its id."""
    data.validate()
    merchant = uow.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(what="Boutique")
    _check_category(uow, merchant, data.category_id)
    product = Product(
        merchant=merchant,
        slug=_unique_product_slug(uow, merchant_id, data.name),
        sold_by_weight=data.sold_by_weight,
    )
    _apply(product, data)
    uow.session.add(product)
    uow.session.flush()
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="product.create",
        subject=product.name,
        details={"product_id": product.id},
        merchant_id=merchant_id,
    )
    if commit:
        uow.commit()
    return product.id


def _apply(product: Product, data: ProductInput) -> None:
    product.name = data.name.strip()
    product.description = data.description.strip()
    product.price_cents = data.price_cents
    product.vat_rate = data.vat_rate
    product.unit = data.unit
    product.sold_by_weight = data.sold_by_weight
    product.estimated_weight_g = data.estimated_weight_g if data.sold_by_weight else None
    product.weight_tolerance_pct = data.weight_tolerance_pct
    product.track_stock = data.track_stock
    product.stock_quantity = data.stock_quantity if data.track_stock else 0
    product.active = data.active
    product.no_withdrawal = data.no_withdrawal
    product.category_id = data.category_id


@dataclass(frozen=True, slots=True)
class StockLevel:
    """What a merchant's stock change left.

    ``seen`` is the level the merchant's page showed (``None``: not known), ``typed`` what
    they typed over it, ``before`` the level just before the change and ``now`` the level
    after it. Orders placed or cancelled between the page and the change move ``before``
    away from ``seen``; the merchant's change is then applied to what is there now (see
    ``stock_after``), and ``adjusted`` is true.
    """

    seen: int | None
    typed: int
    before: int
    now: int

    @property
    def adjusted(self) -> bool:
        return self.seen is not None and self.typed != self.seen and self.before != self.seen

    @property
    def change(self) -> int:
        """What the merchant added (or took away, negative) to the level they saw."""
        return self.typed - (self.seen if self.seen is not None else self.before)


def stock_after(*, current: int, typed: int, seen: int | None) -> int:
    """The level a merchant's change leaves, not undoing what orders did meanwhile.

    A merchant opens a product at 10 loaves; two are sold; they bake two more and type 12.
    Setting 12 would sell two loaves that do not exist: the change (+2) is applied to the
    8 left instead, giving 10. A merchant who did not touch the field (``typed == seen``)
    keeps what the orders left. Without ``seen`` the typed level is taken as it is.
    """
    if seen is None or seen == current:
        return typed
    return min(MAX_STOCK, max(0, current + typed - seen))


def product_input(product: Product) -> ProductInput:
    """The editable fields of an existing product."""
    return ProductInput(
        **{f.name: getattr(product, f.name) for f in fields(ProductInput)}  # type: ignore[arg-type]
    )


def get_product(uow: UnitOfWork, product_id: int, *, merchant_id: int | None = None) -> Product:
    """A product, optionally checked to belong to ``merchant_id`` (else ``NotFound``)."""
    product = uow.session.get(Product, product_id)
    if product is None or (merchant_id is not None and product.merchant_id != merchant_id):
        raise NotFound(what="Produit")
    return product


Snapshot = dict[str, object]


def edit_snapshot(product: Product) -> Snapshot:
    """What the product form edits, as it was when the form was shown (the stock level
    aside: see ``stock_seen``); the description by a fingerprint."""
    return {
        "name": product.name,
        "price_cents": product.price_cents,
        "vat_rate": str(product.vat_rate.value),
        "unit": product.unit.value,
        "estimated_weight_g": product.estimated_weight_g,
        "category_id": product.category_id,
        "track_stock": product.track_stock,
        "active": product.active,
        "no_withdrawal": product.no_withdrawal,
        "description": hashlib.sha256(product.description.encode()).hexdigest()[:16],
    }


_CHANGE_LABELS = {
    "name": "nom",
    "price_cents": "prix",
    "vat_rate": "TVA",
    "unit": "unité",
    "estimated_weight_g": "poids estimé",
    "category_id": "catégorie",
    "track_stock": "suivi du stock",
    "active": "mise en vente",
    "no_withdrawal": "droit de rétractation",
    "description": "description",
}


class ProductChangedMeanwhile(DomainError):
    """Someone else (the shop's staff, the operator acting for it) saved the product while
    this form was open: nothing is overwritten until the merchant has seen it."""

    code = "product_changed"
    template = (
        "Pendant votre saisie, quelqu'un d'autre a modifié ce produit ({changes}). Vos "
        "valeurs sont restées dans le formulaire : vérifiez-les, puis enregistrez à nouveau "
        "pour les garder."
    )


def _changes(seen: Snapshot, now: Snapshot) -> str:
    described = []
    for key, label in _CHANGE_LABELS.items():
        if seen.get(key) == now[key]:
            continue
        before, after = seen.get(key), now[key]
        if key == "price_cents" and isinstance(before, int) and isinstance(after, int):
            described.append(f"prix : {Money(before).format_fr()} → {Money(after).format_fr()}")
        elif key == "name":
            described.append(f"nom : « {before} » → « {after} »")
        elif key == "active":
            described.append("mis en vente" if after else "retiré de la vente")
        else:
            described.append(label)
    return ", ".join(described) or "détails"


def update_product(
    *,
    uow: UnitOfWork,
    product_id: int,
    merchant_id: int,
    data: ProductInput,
    actor: Actor,
    stock_seen: int | None = None,
    seen: Snapshot | None = None,
) -> StockLevel | None:
    """Replace a product's editable fields (the stock level is set here too).

    ``stock_seen`` is the stock level the merchant's form showed: orders placed since then
    are not undone (see ``stock_after``). ``seen`` is the ``edit_snapshot`` the form was
    built from: if the product changed since, ``ProductChangedMeanwhile`` says what and
    nothing is written. The product's row is locked while it changes, so a checkout at the
    same moment waits for it. Returns the stock level left, or ``None`` when the stock is
    not followed.
    """
    data.validate()
    uow.lock_row(Product, product_id)
    product = get_product(uow, product_id, merchant_id=merchant_id)
    if seen is not None and seen != (now := edit_snapshot(product)):
        raise ProductChangedMeanwhile(changes=_changes(seen, now))
    _check_category(uow, product.merchant, data.category_id)
    if data.name.strip() != product.name:
        product.slug = _unique_product_slug(uow, merchant_id, data.name, exclude=product.id)
    before = {"price_cents": product.price_cents, "stock": product.stock_quantity}
    level = None
    if data.track_stock:
        level = _stock_level(product, data.stock_quantity, stock_seen)
        data = replace(data, stock_quantity=level.now)
    _apply(product, data)
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.update",
        subject=product.name,
        details={"product_id": product.id, "before": before, **_typed(level)},
        merchant_id=merchant_id,
    )
    uow.commit()
    return level


def set_stock(
    *,
    uow: UnitOfWork,
    product_id: int,
    merchant_id: int,
    quantity: int,
    actor: Actor,
    seen: int | None = None,
) -> StockLevel:
    """Set the quantity available to sell (reservations already taken stay taken).

    ``seen`` is the level the merchant's page showed when they typed ``quantity``: orders
    placed since are not undone (see ``stock_after``).
    """
    if not 0 <= quantity <= MAX_STOCK:
        raise ValidationError("Le stock doit être un nombre positif.", field="stock_quantity")
    uow.lock_row(Product, product_id)
    product = get_product(uow, product_id, merchant_id=merchant_id)
    level = _stock_level(product, quantity, seen)
    product.stock_quantity = level.now
    product.track_stock = True
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.stock",
        subject=product.name,
        details={"product_id": product.id, "quantity": level.now, **_typed(level)},
        merchant_id=merchant_id,
    )
    uow.commit()
    return level


def _stock_level(product: Product, typed: int, seen: int | None) -> StockLevel:
    # What the page showed counts only if the stock was followed then.
    seen = seen if product.track_stock else None
    now = stock_after(current=product.stock_quantity, typed=typed, seen=seen)
    return StockLevel(seen, typed, product.stock_quantity, now)


def _typed(level: StockLevel | None) -> dict[str, int]:
    # The audit log keeps what the merchant typed when orders moved the stock meanwhile.
    if level is None or not level.adjusted:
        return {}
    assert level.seen is not None
    return {"stock_seen": level.seen, "stock_typed": level.typed, "stock_was": level.before}


def set_active(
    *, uow: UnitOfWork, product_id: int, merchant_id: int, active: bool, actor: Actor
) -> None:
    """Quick enable/disable from the merchant's list."""
    product = get_product(uow, product_id, merchant_id=merchant_id)
    product.active = active
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.enable" if active else "product.disable",
        subject=product.name,
        details={"product_id": product.id},
        merchant_id=merchant_id,
    )
    uow.commit()


def archive_product(*, uow: UnitOfWork, product_id: int, merchant_id: int, actor: Actor) -> None:
    """Withdraw a product for good; past orders keep their snapshot."""
    product = get_product(uow, product_id, merchant_id=merchant_id)
    product.archived = True
    product.active = False
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.archive",
        subject=product.name,
        details={"product_id": product.id},
        merchant_id=merchant_id,
    )
    uow.commit()


def restore_product(*, uow: UnitOfWork, product_id: int, merchant_id: int, actor: Actor) -> None:
    """Bring an archived product back into the merchant's list, not on sale yet (its stock
    and price may need a look first)."""
    product = get_product(uow, product_id, merchant_id=merchant_id)
    if not product.archived:
        return
    product.archived = False
    product.active = False
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.restore",
        subject=product.name,
        details={"product_id": product.id},
        merchant_id=merchant_id,
    )
    uow.commit()


def add_photo(
    *,
    uow: UnitOfWork,
    product_id: int,
    merchant_id: int,
    key: str,
    thumb_key: str,
    alt: str,
    actor: Actor,
) -> int:
    """Attach a stored photo (the application stores and re-encodes the file)."""
    product = get_product(uow, product_id, merchant_id=merchant_id)
    photo = ProductPhoto(key=key, thumb_key=thumb_key, alt=alt, position=len(product.photos))
    product.photos.append(photo)
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action="product.photo",
        subject=product.name,
        details={"product_id": product.id},
        merchant_id=merchant_id,
    )
    uow.commit()
    return photo.id


def _photo_of(uow: UnitOfWork, product_id: int, photo_id: int, merchant_id: int) -> ProductPhoto:
    product = get_product(uow, product_id, merchant_id=merchant_id)
    photo = next((p for p in product.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound(what="Photo")
    return photo


def put_photo_first(
    *, uow: UnitOfWork, product_id: int, photo_id: int, merchant_id: int, actor: Actor
) -> None:
    """Make `photo_id` the product's main photo (the one shoppers see in lists)."""
    photo = _photo_of(uow, product_id, photo_id, merchant_id)
    ordered = [photo] + [p for p in photo.product.photos if p.id != photo_id]
    _save_photos(uow, photo.product, ordered, "product.photo_first", photo_id, actor)


def remove_photo(
    *, uow: UnitOfWork, product_id: int, photo_id: int, merchant_id: int, actor: Actor
) -> tuple[str, ...]:
    """Take a photo off its product; returns the storage keys the application may delete:
    those no other photo uses (a form sent twice can give two products the same file)."""
    photo = _photo_of(uow, product_id, photo_id, merchant_id)
    product = photo.product
    mine = [key for key in (photo.key, photo.thumb_key) if key]
    shared: set[str] = set()
    for other in uow.session.scalars(
        select(ProductPhoto).where(
            ProductPhoto.id != photo.id,
            or_(ProductPhoto.key.in_(mine), ProductPhoto.thumb_key.in_(mine)),
        )
    ):
        shared |= {other.key, other.thumb_key}
    keys = tuple(key for key in mine if key not in shared)
    product.photos.remove(photo)
    _save_photos(uow, product, list(product.photos), "product.photo_removed", photo_id, actor)
    return keys


def _save_photos(
    uow: UnitOfWork,
    product: Product,
    ordered: list[ProductPhoto],
    action: str,
    photo_id: int,
    actor: Actor,
) -> None:
    # Number the photos in `ordered`'s order, audit `action` on `photo_id`, commit.
    for position, each in enumerate(ordered):
        each.position = position
    record(
        uow.session,
        territory_id=product.merchant.territory_id,
        actor=actor,
        action=action,
        subject=product.name,
        details={"product_id": product.id, "photo_id": photo_id},
        merchant_id=product.merchant_id,
    )
    uow.commit()
