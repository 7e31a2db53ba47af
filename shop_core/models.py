"""Imports every model so that ``Base.metadata`` is complete (for migrations and tests)."""

from shop_core.accounts.model import Address, PickupPointStaff, Role, User
from shop_core.audit.model import AuditEntry
from shop_core.carts.model import Cart, CartItem
from shop_core.catalogue.model import Category, Product, ProductPhoto, Unit
from shop_core.invoices.model import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceVat,
)
from shop_core.merchants.model import (
    MemberRole,
    Merchant,
    MerchantMember,
    MerchantStatus,
    OpeningHours,
    Trade,
)
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    MerchantOrderVat,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
    StatusChange,
)
from shop_core.payments.model import (
    MerchantPaymentAccount,
    MerchantTransfer,
    OnlinePayment,
    PaymentEvent,
    PaymentRefund,
)
from shop_core.persistence.routine_runs import RoutineRun
from shop_core.stock.model import ReservationStatus, StockReservation
from shop_core.territories.model import (
    Commune,
    DeliverySlot,
    PickupPoint,
    PickupPointHours,
    Territory,
)

__all__ = [
    "Address",
    "AuditEntry",
    "Cart",
    "CartItem",
    "Category",
    "Commune",
    "CreditNote",
    "DeliveryMethod",
    "DeliverySlot",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "InvoiceVat",
    "MemberRole",
    "Merchant",
    "MerchantMember",
    "MerchantOrder",
    "MerchantOrderStatus",
    "MerchantOrderVat",
    "MerchantPaymentAccount",
    "MerchantStatus",
    "MerchantTransfer",
    "OnlinePayment",
    "OpeningHours",
    "Order",
    "OrderLine",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentRefund",
    "PaymentStatus",
    "PickupPoint",
    "PickupPointHours",
    "PickupPointStaff",
    "Product",
    "ProductPhoto",
    "ReservationStatus",
    "Role",
    "RoutineRun",
    "StatusChange",
    "StockReservation",
    "Territory",
    "Trade",
    "Unit",
    "User",
]
