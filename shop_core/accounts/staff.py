"""The territory's couriers (and other staff accounts) as the operator manages them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.accounts.model import Role, User
from shop_core.errors import NotFound
from shop_core.persistence.uow import UnitOfWork


def accounts_with_role(session: Session, *, territory_id: int, role: Role) -> list[User]:
    """The territory's accounts of one role (deleted ones left out), active first."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.territory_id == territory_id,
                User.role == role,
                User.deleted_at.is_(None),
            )
            .order_by(User.active.desc(), User.full_name)
        )
    )


def staff_account(session: Session, *, territory_id: int, user_id: int, role: Role) -> User:
    """An account of this territory with this role; ``NotFound`` for any other id."""
    user = session.get(User, user_id)
    if user is None or user.territory_id != territory_id or user.role is not role:
        raise NotFound(what="Compte")
    return user


def set_account_active(
    *, uow: UnitOfWork, territory_id: int, user_id: int, role: Role, active: bool
) -> None:
    """Deactivate (ending every session at once) or reactivate a staff account."""
    user = staff_account(uow.session, territory_id=territory_id, user_id=user_id, role=role)
    if user.active and not active:
        user.session_version += 1
    user.active = active
    uow.commit()
