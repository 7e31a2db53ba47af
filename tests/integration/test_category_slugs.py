"""Category slugs with « œ »: new ones spell it « oe », stored ones keep their address.

« Fromages, crèmerie et œufs » got « fromages-cremerie-et-ufs » before slugs spelled
ligatures out. Renaming the stored slugs would break the addresses shoppers kept, so they
stay; the same name must still find that category, not make a second one.
"""

from __future__ import annotations

import pytest

from shop_core.catalogue.browse import category_by_slug
from shop_core.catalogue.bulk import plan_import
from shop_core.catalogue.csv_import import CatalogueRow
from shop_core.catalogue.model import Category
from shop_core.catalogue.services import ProductInput, create_category
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.testing.factories import make_merchant

from .conftest import Shop

NAME = "Fromages, crèmerie et œufs"
OLD_SLUG = "fromages-cremerie-et-ufs"


def test_a_new_category_spells_oe_in_its_slug(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        created = create_category(uow=uow, territory_id=shop.territory_id, name=NAME)
        assert uow.session.get_one(Category, created).slug == "fromages-cremerie-et-oeufs"


@pytest.fixture
def stored_before(db: Database, shop: Shop) -> int:
    """The category as a database made before this change holds it."""
    with db.uow() as uow:
        category = uow.session.get_one(
            Category, create_category(uow=uow, territory_id=shop.territory_id, name=NAME)
        )
        category.slug = OLD_SLUG
        uow.commit()
        return category.id


def test_a_category_stored_before_keeps_its_address(
    db: Database, shop: Shop, stored_before: int
) -> None:
    with db.uow() as uow:
        found = category_by_slug(uow.session, territory_id=shop.territory_id, slug=OLD_SLUG)
        assert found is not None and found.id == stored_before


def test_the_same_name_again_is_the_category_stored_before_not_a_second_one(
    db: Database, shop: Shop, stored_before: int
) -> None:
    with db.uow() as uow, pytest.raises(ValidationError, match="Cette catégorie existe déjà"):
        create_category(uow=uow, territory_id=shop.territory_id, name="FROMAGES, Crèmerie et Œufs")
    with db.uow() as uow:
        merchant = make_merchant(uow, territory_id=shop.territory_id)
        plan = plan_import(
            uow,
            merchant_id=merchant,
            rows=[
                CatalogueRow(
                    line=2,
                    product=ProductInput(name="Œufs plein air", price_cents=420),
                    category=NAME,
                )
            ],
        )
        assert plan.errors == [] and len(plan.create) == 1
