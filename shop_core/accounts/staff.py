"""The territory's staff accounts as the operator manages them: couriers, and the people
who hand over the parcels at a pickup point (the town hall's secretary, the tiers-lieu's
host), each tied to their point."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.accounts.model import PickupPointStaff, Role, User
from shop_core.accounts.services import register_user
from shop_core.errors import NotFound, ValidationError
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import PickupPoint

#: The accounts the operator creates and deactivates.
STAFF_ROLES = (Role.COURIER, Role.POINT_STAFF)


def accounts_with_role(
    session: Session, *, territory_id: int, role: Role | tuple[Role, ...]
) -> list[User]:
    """The territory's accounts of one role or several (deleted ones left out), active
    first."""
    roles = role if isinstance(role, tuple) else (role,)
    return list(
        session.scalars(
            select(User)
            .where(
                User.territory_id == territory_id,
                User.role.in_(roles),
                User.deleted_at.is_(None),
            )
            .order_by(User.active.desc(), User.full_name)
        )
    )


def staff_account(
    session: Session, *, territory_id: int, user_id: int, role: Role | tuple[Role, ...]
) -> User:
    """An account of this territory with this role (or one of these); ``NotFound`` for any
    other id."""
    roles = role if isinstance(role, tuple) else (role,)
    user = session.get(User, user_id)
    if user is None or user.territory_id != territory_id or user.role not in roles:
        raise NotFound(what="Compte")
    return user


def set_account_active(
    *, uow: UnitOfWork, territory_id: int, user_id: int, role: Role | tuple[Role, ...], active: bool
) -> None:
    """Deactivate (ending every session at once) or reactivate a staff account."""
    user = staff_account(uow.session, territory_id=territory_id, user_id=user_id, role=role)
    if user.active and not active:
        user.session_version += 1
    user.active = active
    uow.commit()


def create_point_staff(
    *,
    uow: UnitOfWork,
    territory_id: int,
    pickup_point_id: int,
    email: str,
    full_name: str,
    password_hash: str,
    phone: str = "",
) -> int:
    """An account that hands over the parcels of one pickup point of the territory; its id.
    The account and its point are written together, or nothing is."""
    point = uow.session.get(PickupPoint, pickup_point_id)
    if point is None or point.territory_id != territory_id:
        raise ValidationError("Choisissez un point de retrait du territoire.", field="point")
    user_id = register_user(
        uow=uow, territory_id=territory_id, email=email, full_name=full_name,
        password_hash=password_hash, role=Role.POINT_STAFF, phone=phone, commit=False,
    )  # fmt: skip
    uow.session.add(PickupPointStaff(user_id=user_id, pickup_point_id=point.id))
    uow.commit()
    return user_id


def points_of_staff(session: Session, user_ids: list[int]) -> dict[int, PickupPoint]:
    """The pickup point of each of these point staff accounts."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(PickupPointStaff.user_id, PickupPoint)
        .join(PickupPoint, PickupPoint.id == PickupPointStaff.pickup_point_id)
        .where(PickupPointStaff.user_id.in_(user_ids))
    )
    return {user_id: point for user_id, point in rows}


def staff_point(session: Session, user: User) -> PickupPoint | None:
    """The pickup point a point staff account works at (None for anyone else)."""
    if user.role is not Role.POINT_STAFF:
        return None
    return points_of_staff(session, [user.id]).get(user.id)
