"""Catalogue: categories per territory, products per merchant, photos."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.merchants.model import Merchant
from shop_core.persistence.base import Base, utcnow
from shop_core.vat import VatRate


class Unit(enum.StrEnum):
    """What the price is for."""

    PIECE = "piece"
    KG = "kg"
    HUNDRED_G = "100g"
    LITRE = "litre"
    BUNCH = "bunch"
    DOZEN = "dozen"
    JAR = "jar"
    BOTTLE = "bottle"
    BOX = "box"

    @property
    def grams(self) -> int | None:
        """Grams in one unit, for units of weight; ``None`` otherwise."""
        return {Unit.KG: 1000, Unit.HUNDRED_G: 100}.get(self)


UNIT_LABELS_FR: dict[Unit, str] = {
    Unit.PIECE: "pièce",
    Unit.KG: "kg",
    Unit.HUNDRED_G: "100 g",
    Unit.LITRE: "litre",
    Unit.BUNCH: "botte",
    Unit.DOZEN: "douzaine",
    Unit.JAR: "pot",
    Unit.BOTTLE: "bouteille",
    Unit.BOX: "barquette",
}


class Category(Base):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("territory_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)


class Product(Base):
    """A product of one merchant.

    ``price_cents`` includes VAT and is per ``unit``. Products sold by weight have a unit of
    weight (kg, 100 g) and are ordered by the piece with ``estimated_weight_g`` per piece; the
    final weight is entered at preparation, within ``weight_tolerance_pct``.
    ``stock_quantity`` counts pieces available to sell, reservations already deducted.
    """

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint("stock_quantity >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        UniqueConstraint("merchant_id", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(String(140))
    name: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    vat_rate: Mapped[VatRate] = mapped_column(default=VatRate.REDUCED)
    unit: Mapped[Unit] = mapped_column(
        Enum(Unit, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=Unit.PIECE,
    )
    sold_by_weight: Mapped[bool] = mapped_column(default=False)
    estimated_weight_g: Mapped[int | None]
    weight_tolerance_pct: Mapped[int] = mapped_column(default=15)
    track_stock: Mapped[bool] = mapped_column(default=True)
    stock_quantity: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    archived: Mapped[bool] = mapped_column(default=False)
    no_withdrawal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    merchant: Mapped[Merchant] = relationship()
    category: Mapped[Category | None] = relationship()
    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductPhoto.position"
    )

    @property
    def on_sale(self) -> bool:
        """Whether shoppers can buy it now (active, not archived, merchant active)."""
        return self.active and not self.archived and self.merchant.is_open_for_orders

    def estimated_piece_price_cents(self) -> int:
        """The price of one ordered piece: the price itself, or the estimate by weight."""
        from shop_core.pricing import line_total_cents

        return line_total_cents(self.price_cents, self.unit, 1, self.estimated_weight_g)


class ProductPhoto(Base):
    """A photo, stored by the application's storage backend under ``key``."""

    __tablename__ = "product_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    thumb_key: Mapped[str] = mapped_column(String(255), default="")
    alt: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="photos")
