"""A merchant's own presentation and contact details (``update_presentation``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.merchants.services import (
    DESCRIPTION_MAX,
    PresentationInput,
    get_merchant,
    update_presentation,
)

from .conftest import Shop


def _entries(db: Database, merchant_id: int) -> list[AuditEntry]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.merchant_id == merchant_id, AuditEntry.action == "merchant.profile"
                )
            )
        )


def test_presentation_is_saved_trimmed_and_audited_with_what_changed(
    db: Database, shop: Shop
) -> None:
    actor = Actor(user_id=None, merchant_id=shop.baker_id)
    with db.uow() as uow:
        changed = update_presentation(
            uow=uow,
            merchant_id=shop.baker_id,
            data=PresentationInput(
                description="  Pains au levain.\nViennoiseries pur beurre.  ",
                phone=" 03  21 12 34 56 ",
                email=" Contact@Fournil.FR ",
                click_and_collect=False,
            ),
            actor=actor,
        )
    assert changed == ["description", "phone", "email", "click_and_collect"]
    with db.uow() as uow:
        baker = get_merchant(uow, shop.baker_id)
        assert baker.description == "Pains au levain.\nViennoiseries pur beurre."
        assert baker.phone == "03 21 12 34 56"
        assert baker.email == "contact@fournil.fr"
        assert baker.click_and_collect is False
        farmer = get_merchant(uow, shop.farmer_id)
        assert farmer.description == "" and farmer.click_and_collect is True
    (entry,) = _entries(db, shop.baker_id)
    assert entry.details == {"changed": ["description", "phone", "email", "click_and_collect"]}
    assert entry.subject == "Boulangerie Lefebvre"
    assert _entries(db, shop.farmer_id) == []


def test_saving_the_same_presentation_again_changes_and_audits_nothing(
    db: Database, shop: Shop
) -> None:
    data = PresentationInput(description="Du pain.", phone="0321123456")
    with db.uow() as uow:
        update_presentation(uow=uow, merchant_id=shop.baker_id, data=data, actor=Actor.system())
    with db.uow() as uow:
        again = update_presentation(
            uow=uow, merchant_id=shop.baker_id, data=data, actor=Actor.system()
        )
    assert again == []
    assert len(_entries(db, shop.baker_id)) == 1


@pytest.mark.parametrize(
    "phone", ["03 21 12 34 56", "0321123456", "03.21.12.34.56", "+33 3 21 12 34 56", ""]
)
def test_french_phone_numbers_written_the_usual_ways_are_accepted(
    db: Database, shop: Shop, phone: str
) -> None:
    with db.uow() as uow:
        update_presentation(
            uow=uow,
            merchant_id=shop.baker_id,
            data=PresentationInput(phone=phone),
            actor=Actor.system(),
        )
    with db.uow() as uow:
        assert get_merchant(uow, shop.baker_id).phone == phone


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (PresentationInput(phone="appelez-nous"), "phone", "Numéro de téléphone invalide"),
        (PresentationInput(phone="03 21 12"), "phone", "Numéro de téléphone invalide"),
        (PresentationInput(phone="03 21 +12 34 56"), "phone", "Numéro de téléphone invalide"),
        (PresentationInput(phone="0" * 31), "phone", "Numéro de téléphone invalide"),
        (PresentationInput(email="contact@fournil"), "email", "Adresse e-mail invalide"),
        (PresentationInput(email="contact fournil.fr"), "email", "Adresse e-mail invalide"),
        (
            PresentationInput(description="x" * (DESCRIPTION_MAX + 1)),
            "description",
            "La présentation est trop longue : 2000 caractères au plus",
        ),
    ],
)
def test_bad_presentation_is_refused_in_french_with_its_field_and_nothing_changes(
    db: Database, shop: Shop, data: PresentationInput, field: str, words: str
) -> None:
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        update_presentation(uow=uow, merchant_id=shop.baker_id, data=data, actor=Actor.system())
    assert refused.value.field == field
    assert words in str(refused.value)
    with db.uow() as uow:
        baker = get_merchant(uow, shop.baker_id)
        assert (baker.phone, baker.email, baker.description) == ("", "", "")
    assert _entries(db, shop.baker_id) == []
