"""Issuing invoices: one per completed merchant order, numbered without gaps per merchant.

Numbering takes the next number with a single ``UPDATE … RETURNING`` on the merchant's
sequence row, inside the transaction that completes the sale: concurrent issuers for one
merchant queue on that row, and a rolled-back transaction gives its number back, so the
sequence has no gaps and no duplicates (unique constraint on ``(merchant_id, number)``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop_core.catalogue.model import UNIT_LABELS_FR
from shop_core.invoices.model import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceVat,
)
from shop_core.orders.model import DeliveryMethod, MerchantOrder, OrderLine, PaymentMethod
from shop_core.vat import excl_vat_unit_price, vat_included

FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"

#: An order paid by hand: who takes the money, as the shopper's confirmation says it.
HAND_PAYMENT_TERMS = {
    DeliveryMethod.HOME: "Payable à la livraison, au livreur",
    DeliveryMethod.PICKUP_POINT: "Payable au retrait, au point de retrait",
    DeliveryMethod.CLICK_COLLECT: "Payable au retrait, en boutique",
}


def next_number(session: Session, merchant_id: int) -> int:
    """Take the merchant's next invoice number (in the caller's transaction)."""
    number = session.execute(
        update(InvoiceSequence)
        .where(InvoiceSequence.merchant_id == merchant_id)
        .values(last_number=InvoiceSequence.last_number + 1)
        .returning(InvoiceSequence.last_number)
    ).scalar_one_or_none()
    if number is None:
        session.add(InvoiceSequence(merchant_id=merchant_id, last_number=1))
        session.flush()
        return 1
    return int(number)


def _quantity_text(line: OrderLine) -> str:
    if line.sold_by_weight:
        grams = line.final_weight_g or line.estimated_weight_g or 0
        kg = (Decimal(grams) / 1000).normalize()
        return f"{kg:f}".replace(".", ",") + " kg"
    label = UNIT_LABELS_FR[line.unit]
    return f"{line.quantity} × {label}"


def issue_invoice(session: Session, mo: MerchantOrder, *, issued_on: dt.date) -> Invoice:
    """The invoice of a merchant order, created on first call (idempotent)."""
    existing = session.scalar(select(Invoice).where(Invoice.merchant_order_id == mo.id))
    if existing is not None:
        return existing
    merchant, order = mo.merchant, mo.order
    number = next_number(session, merchant.id)
    if order.delivery_method is DeliveryMethod.HOME:
        buyer_address = ", ".join(
            p
            for p in (order.address_line1, order.address_line2, f"{order.postal_code} {order.city}")
            if p.strip()
        )
    else:
        buyer_address = ""
    terms = (
        "Payée en ligne"
        if order.payment_method is PaymentMethod.ONLINE
        else HAND_PAYMENT_TERMS[order.delivery_method]
    )
    invoice = Invoice(
        merchant_id=merchant.id,
        merchant_order_id=mo.id,
        number=number,
        reference=f"F{merchant.id:04d}-{number:06d}",
        issued_on=issued_on,
        sale_date=issued_on,
        seller_name=merchant.legal_name,
        seller_trade_name=merchant.trade_name,
        seller_address=f"{merchant.address}, {merchant.postal_code} {merchant.city}",
        seller_siren=merchant.siren,
        seller_siret=merchant.siret,
        seller_vat_number="" if merchant.vat_franchise else merchant.vat_number,
        vat_mention=FRANCHISE_MENTION if merchant.vat_franchise else "",
        buyer_name=order.customer_name,
        buyer_address=buyer_address,
        order_reference=mo.reference,
        total_excl_cents=mo.total_excl_cents,
        total_vat_cents=mo.total_vat_cents,
        total_incl_cents=mo.total_incl_cents,
        payment_terms=terms,
    )
    for line in mo.lines:
        if merchant.vat_franchise:
            unit_excl, line_excl = line.unit_price_cents, line.total_incl_cents
        else:
            unit_excl = excl_vat_unit_price(line.unit_price_cents, line.vat_rate)
            line_excl = line.total_incl_cents - vat_included(line.total_incl_cents, line.vat_rate)
        invoice.lines.append(
            InvoiceLine(
                description=line.product_name,
                quantity=_quantity_text(line),
                unit_price_excl_cents=unit_excl,
                vat_rate=line.vat_rate,
                total_excl_cents=line_excl,
                total_incl_cents=line.total_incl_cents,
            )
        )
    for v in mo.vat_lines:
        invoice.vat_lines.append(
            InvoiceVat(
                rate=v.rate, excl_cents=v.excl_cents, vat_cents=v.vat_cents, incl_cents=v.incl_cents
            )
        )
    session.add(invoice)
    session.flush()
    return invoice


def credit_invoice(
    session: Session, invoice: Invoice, *, reason: str, issued_on: dt.date
) -> CreditNote:
    """The credit note cancelling ``invoice`` in full, created on first call (idempotent);
    numbered in the caller's transaction from the same sequence as the invoices."""
    existing = session.scalar(select(CreditNote).where(CreditNote.invoice_id == invoice.id))
    if existing is not None:
        return existing
    number = next_number(session, invoice.merchant_id)
    note = CreditNote(
        merchant_id=invoice.merchant_id,
        invoice_id=invoice.id,
        number=number,
        reference=f"A{invoice.merchant_id:04d}-{number:06d}",
        issued_on=issued_on,
        reason=(f"Annule la facture {invoice.reference} : {reason.strip()}")[:300],
        total_excl_cents=invoice.total_excl_cents,
        total_vat_cents=invoice.total_vat_cents,
        total_incl_cents=invoice.total_incl_cents,
    )
    session.add(note)
    session.flush()
    return note
