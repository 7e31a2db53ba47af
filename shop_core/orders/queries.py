"""The territory's orders as the operator looks them up: newest first, filtered in SQL by
words (reference, shopper, e-mail, phone, commune), the state of the shops' parts, the
delivery date, the way of delivery and the shop.

Every query takes the territory: another territory's orders never appear. Words match
whatever their case and accents ("helene" finds « Hélène », "MARTIN" finds « Martin »), on
SQLite and PostgreSQL alike: both sides are folded the same way (:func:`fold`,
:func:`folded`), so no extension or collation is needed.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from shop_core import phones
from shop_core.accounts.model import Role, User
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
)

S = MerchantOrderStatus

#: How many orders a page lists unless told otherwise.
PER_PAGE = 50

# Letters folded to their plain form, lower and upper case alike (French first).
_PLAIN = {
    "à": "a", "â": "a", "ä": "a", "á": "a", "ã": "a",
    "ç": "c",
    "é": "e", "è": "e", "ê": "e", "ë": "e",
    "î": "i", "ï": "i", "í": "i", "ì": "i",
    "ô": "o", "ö": "o", "ó": "o", "ò": "o", "õ": "o",
    "ù": "u", "û": "u", "ü": "u", "ú": "u",
    "ÿ": "y", "ñ": "n",
}  # fmt: skip
_LIGATURES = {"œ": "oe", "æ": "ae"}
_FOLDS = {
    **_PLAIN,
    **{k.upper(): v for k, v in _PLAIN.items()},
    **_LIGATURES,
    **{k.upper(): v for k, v in _LIGATURES.items()},
}
_TABLE = str.maketrans(_FOLDS)


def fold(text: str) -> str:
    """``text`` as :func:`folded` reads a column: accents dropped, lower case."""
    return text.translate(_TABLE).lower()


class folded(FunctionElement[str]):  # noqa: N801  (reads as a function in a query)
    """A text column as :func:`fold` would write it, in SQL: accents dropped, lower case.

    PostgreSQL spells it with ``translate`` and ``lower``. SQLite has no ``translate``, and
    the thirty-odd nested ``replace`` it would take overflow its parser: it calls
    :func:`fold` itself, registered on the connection by :func:`use_fold`.
    """

    type = String()
    name = "cabas_fold"
    inherit_cache = True


@compiles(folded)
def _folded_by_python(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"cabas_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_in_sql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    for ligature, plain in (*_LIGATURES.items(), *((k.upper(), v) for k, v in _LIGATURES.items())):
        text = f"replace({text}, '{ligature}', '{plain}')"
    accented = "".join(k for k in _FOLDS if len(k) == 1 and len(_FOLDS[k]) == 1)
    plain = "".join(_FOLDS[k] for k in accented)
    return f"lower(translate({text}, '{accented}', '{plain}'))"


def use_fold(session: Session) -> None:
    """Make :class:`folded` usable on the session's connection (SQLite: register
    :func:`fold`; other databases need nothing)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        raw.create_function("cabas_fold", 1, fold, deterministic=True)  # type: ignore[union-attr]


class StatusGroup(enum.StrEnum):
    """The states the operator asks about, each gathering one or more part statuses."""

    AWAITING_PAYMENT = "awaiting_payment"
    TO_ACCEPT = "to_accept"
    PREPARING = "preparing"
    READY = "ready"
    ON_THE_WAY = "on_the_way"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    CANCELLED = "cancelled"
    RETURNED = "returned"


_GROUP_STATUSES: dict[StatusGroup, tuple[MerchantOrderStatus, ...]] = {
    StatusGroup.PREPARING: (S.ACCEPTED, S.PREPARING),
    StatusGroup.READY: (S.READY,),
    StatusGroup.ON_THE_WAY: (S.HANDED_TO_COURIER,),
    StatusGroup.DELIVERED: (S.DELIVERED, S.PICKED_UP),
    StatusGroup.DELIVERY_FAILED: (S.DELIVERY_FAILED,),
    StatusGroup.CANCELLED: (S.REFUSED, S.CANCELLED),
    StatusGroup.RETURNED: (S.RETURNED,),
}


def _in_group(group: StatusGroup) -> ColumnElement[bool]:
    """Whether a merchant order (of the order in the enclosing query) is in ``group``."""
    # A part placed with online payment waits for the payment before its shop may accept it.
    if group is StatusGroup.AWAITING_PAYMENT:
        return and_(MerchantOrder.status == S.PLACED, Order.payment_method == PaymentMethod.ONLINE)
    if group is StatusGroup.TO_ACCEPT:
        return or_(
            MerchantOrder.status == S.PAID,
            and_(MerchantOrder.status == S.PLACED, Order.payment_method != PaymentMethod.ONLINE),
        )
    return MerchantOrder.status.in_(_GROUP_STATUSES[group])


def part_group(part: MerchantOrder) -> StatusGroup:
    """The group a loaded merchant order is in (the same rule as the filter's)."""
    if part.status is S.PLACED:
        online = part.order.payment_method is PaymentMethod.ONLINE
        return StatusGroup.AWAITING_PAYMENT if online else StatusGroup.TO_ACCEPT
    if part.status is S.PAID:
        return StatusGroup.TO_ACCEPT
    return next(g for g, statuses in _GROUP_STATUSES.items() if part.status in statuses)


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """What the operator narrows the list to; every filter left empty keeps all orders.

    ``status`` and ``merchant_id`` apply to the same part: with both, the orders whose
    part at that shop is in that state.
    """

    text: str = ""
    status: StatusGroup | None = None
    delivery_from: dt.date | None = None
    delivery_to: dt.date | None = None
    method: DeliveryMethod | None = None
    merchant_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """An order with its parts, shops and pickup point loaded; ``shopper_id`` is the
    shopper whose card the operator may open (None once the account is deleted or closed)."""

    order: Order
    shopper_id: int | None


@dataclass(frozen=True, slots=True)
class OrderListPage:
    rows: list[OrderRow]
    total: int
    page: int
    page_count: int
    per_page: int


def _text_condition(text: str) -> ColumnElement[bool]:
    words = text.split()
    if len(phones.digits(text)) >= 4 and not re.search(r"[^\d\s.+()-]", text):
        # A phone number, however typed (``phones.search_forms``), or a reference.
        phone = phones.bare(Order.customer_phone)
        return or_(
            *(phone.contains(form, autoescape=True) for form in phones.search_forms(text)),
            folded(Order.reference).contains(fold(text.strip()), autoescape=True),
        )
    columns = (Order.reference, Order.customer_name, Order.customer_email, Order.city)
    # Every word somewhere: "martin heuchin" is Mme Martin's order delivered at Heuchin.
    return and_(
        *(
            or_(*(folded(c).contains(fold(word), autoescape=True) for c in columns))
            for word in words
        )
    )


def _conditions(territory_id: int, filters: OrderFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Order.territory_id == territory_id]
    if filters.text.strip():
        where.append(_text_condition(filters.text))
    if filters.delivery_from is not None:
        where.append(Order.delivery_date >= filters.delivery_from)
    if filters.delivery_to is not None:
        where.append(Order.delivery_date <= filters.delivery_to)
    if filters.method is not None:
        where.append(Order.delivery_method == filters.method)
    if filters.status is not None or filters.merchant_id is not None:
        part = [MerchantOrder.order_id == Order.id]
        if filters.status is not None:
            part.append(_in_group(filters.status))
        if filters.merchant_id is not None:
            part.append(MerchantOrder.merchant_id == filters.merchant_id)
        where.append(exists().where(*part))
    if (
        filters.delivery_from is not None
        and filters.delivery_to is not None
        and filters.delivery_from > filters.delivery_to
    ):
        where.append(false())
    return where


def _rows(territory_id: int, filters: OrderFilters) -> Select[Order, int]:
    # The shopper's card opens only for a live shopper account (as shopper_for_operator).
    card = and_(
        User.id == Order.user_id,
        User.role == Role.SHOPPER,
        User.deleted_at.is_(None),
        User.active.is_(true()),
    )
    return (
        select(Order, User.id)
        .outerjoin(User, card)
        .where(*_conditions(territory_id, filters))
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.merchant),
        )
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )


def territory_orders(
    session: Session,
    *,
    territory_id: int,
    filters: OrderFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> OrderListPage:
    """One page of the territory's orders matching ``filters``, newest first.

    A page before the first is the first, one after the last is the last.
    """
    use_fold(session)
    total = (
        session.scalar(select(func.count(Order.id)).where(*_conditions(territory_id, filters))) or 0
    )
    page_count = max(1, -(-total // per_page))
    page = min(max(page, 1), page_count)
    rows = session.execute(
        _rows(territory_id, filters).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return OrderListPage(
        rows=[OrderRow(order=order, shopper_id=shopper_id) for order, shopper_id in rows],
        total=int(total),
        page=page,
        page_count=page_count,
        per_page=per_page,
    )


def all_territory_orders(
    session: Session, *, territory_id: int, filters: OrderFilters, batch: int = 500
) -> Iterator[OrderRow]:
    """Every order of the territory matching ``filters``, newest first (for an export),
    loaded ``batch`` orders at a time."""
    use_fold(session)
    result = session.execute(_rows(territory_id, filters).execution_options(yield_per=batch))
    for order, shopper_id in result:
        yield OrderRow(order=order, shopper_id=shopper_id)
