"""Invoices: per merchant, gap-free sequential numbers, French mandatory mentions.

An issued invoice is never changed or deleted: a sale undone afterwards (parcels returned to
the shop) gets a credit note (*avoir*) that cancels it, numbered in the same sequence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.persistence.base import Base, utcnow
from shop_core.vat import VatRate


class InvoiceSequence(Base):
    """The last invoice number a merchant used; locked while numbering."""

    __tablename__ = "invoice_sequence"

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(Base):
    """An invoice record, a snapshot of seller, buyer, lines and VAT at issue time."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("merchant_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id", ondelete="RESTRICT"))
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="RESTRICT"), unique=True
    )
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    sale_date: Mapped[dt.date] = mapped_column(Date)
    seller_name: Mapped[str] = mapped_column(String(160))
    seller_trade_name: Mapped[str] = mapped_column(String(120))
    seller_address: Mapped[str] = mapped_column(String(300))
    seller_siren: Mapped[str] = mapped_column(String(9))
    seller_siret: Mapped[str] = mapped_column(String(14))
    seller_vat_number: Mapped[str] = mapped_column(String(20))
    vat_mention: Mapped[str] = mapped_column(String(200), default="")
    buyer_name: Mapped[str] = mapped_column(String(120))
    buyer_address: Mapped[str] = mapped_column(String(300))
    order_reference: Mapped[str] = mapped_column(String(40))
    total_excl_cents: Mapped[int]
    total_vat_cents: Mapped[int]
    total_incl_cents: Mapped[int]
    payment_terms: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[InvoiceLine]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLine.id"
    )
    vat_lines: Mapped[list[InvoiceVat]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceVat.rate.desc()"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(30))
    unit_price_excl_cents: Mapped[int]
    vat_rate: Mapped[VatRate]
    total_excl_cents: Mapped[int]
    total_incl_cents: Mapped[int]


class InvoiceVat(Base):
    __tablename__ = "invoice_vat"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"))
    rate: Mapped[VatRate]
    excl_cents: Mapped[int]
    vat_cents: Mapped[int]
    incl_cents: Mapped[int]


class CreditNote(Base):
    """A credit note (*facture d'avoir*) cancelling one invoice in full.

    It takes its number from the merchant's invoice sequence (no gap, no duplicate across
    both) and carries the invoice's totals, which it cancels.
    """

    __tablename__ = "credit_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="RESTRICT"), index=True
    )
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="RESTRICT"), unique=True
    )
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    total_excl_cents: Mapped[int]
    total_vat_cents: Mapped[int]
    total_incl_cents: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice] = relationship()
