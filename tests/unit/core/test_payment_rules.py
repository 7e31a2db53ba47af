"""Pure rules of online payment: account status, commission share of a refund."""

from __future__ import annotations

from shop_core.payments.accounts import status_from
from shop_core.payments.gateway import AccountState
from shop_core.payments.model import AccountStatus
from shop_core.payments.services import commission_share


def test_account_is_active_once_details_are_submitted_and_payouts_enabled() -> None:
    assert status_from(AccountState("acct_1", False, False, False)) is AccountStatus.PENDING
    assert status_from(AccountState("acct_1", True, False, True)) is AccountStatus.PENDING
    assert status_from(AccountState("acct_1", True, True, True)) is AccountStatus.ACTIVE


def test_account_disabled_by_the_provider_is_restricted() -> None:
    state = AccountState("acct_1", True, True, True, disabled_reason="requirements.past_due")
    assert status_from(state) is AccountStatus.RESTRICTED


def test_commission_gives_up_its_share_of_a_refund_rounded_half_up() -> None:
    # 5 % of a 10,50 € order is 53 cents; refunding 3,50 € gives up 53 × 350 / 1050 ≈ 17,7 → 18.
    assert commission_share(350, share_cents=1050, commission_cents=53) == 18
    assert commission_share(1050, share_cents=1050, commission_cents=53) == 53
    assert commission_share(100, share_cents=0, commission_cents=0) == 0
