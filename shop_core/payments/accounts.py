"""Merchants' connected accounts: onboarding through the provider's hosted pages, status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from shop_core.errors import DomainError, NotFound
from shop_core.merchants.model import Merchant
from shop_core.payments.gateway import AccountState, GatewayError, MarketplaceGateway
from shop_core.payments.model import AccountStatus, MerchantPaymentAccount
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

STATUS_LABELS_FR = {
    AccountStatus.PENDING: "En attente : informations à compléter",
    AccountStatus.ACTIVE: "Actif : vous recevez vos virements",
    AccountStatus.RESTRICTED: "Restreint : le prestataire demande des informations",
}


class OnboardingUnavailable(DomainError):
    code = "onboarding_unavailable"
    template = (
        "L'ouverture du compte de paiement est indisponible pour le moment : réessayez dans "
        "quelques minutes."
    )


def account_of(uow: UnitOfWork, merchant_id: int) -> MerchantPaymentAccount | None:
    return uow.session.scalar(
        select(MerchantPaymentAccount).where(MerchantPaymentAccount.merchant_id == merchant_id)
    )


def status_from(state: AccountState) -> AccountStatus:
    """Active when transfers can be received; restricted when the provider disabled it."""
    if state.disabled_reason:
        return AccountStatus.RESTRICTED
    if state.details_submitted and state.payouts_enabled:
        return AccountStatus.ACTIVE
    return AccountStatus.PENDING


def onboarding_link(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    merchant_id: int,
    refresh_url: str,
    return_url: str,
) -> str:
    """Create the merchant's account if needed; returns the provider's onboarding page."""
    merchant = uow.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound(what="Boutique")
    account = account_of(uow, merchant_id)
    try:
        if account is None:
            account_id = gateway.create_account(
                email=merchant.email,
                business_name=merchant.trade_name,
                idempotency_key=f"account:{merchant_id}",
            )
            uow.begin_write()
            account = MerchantPaymentAccount(
                merchant_id=merchant_id,
                provider_account_id=account_id,
                status=AccountStatus.PENDING,
            )
            uow.session.add(account)
            uow.commit()
        return gateway.account_link(
            account.provider_account_id, refresh_url=refresh_url, return_url=return_url
        )
    except GatewayError as error:
        raise OnboardingUnavailable() from error


def refresh(
    *, uow: UnitOfWork, gateway: MarketplaceGateway, merchant_id: int
) -> AccountStatus | None:
    """Ask the provider for the account's status and store it (``None``: no account yet)."""
    account = account_of(uow, merchant_id)
    if account is None:
        return None
    try:
        state = gateway.retrieve_account(account.provider_account_id)
    except GatewayError as error:
        raise OnboardingUnavailable() from error
    uow.begin_write()
    account.status = status_from(state)
    uow.commit()
    return account.status


def refresh_by_provider_id(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    account_id: str,
    now: dt.datetime | None = None,
    before_commit: Callable[[], None] | None = None,
) -> MerchantPaymentAccount:
    """Re-fetch an account named by an event, store its status (and the event) together."""
    state = gateway.retrieve_account(account_id)
    uow.begin_write()
    account = uow.session.scalar(
        select(MerchantPaymentAccount).where(
            MerchantPaymentAccount.provider_account_id == account_id
        )
    )
    if account is None:
        raise NotFound(what="Compte de paiement")
    account.status = status_from(state)
    account.updated_at = now or utcnow()
    if before_commit is not None:
        before_commit()
    uow.commit()
    return account
