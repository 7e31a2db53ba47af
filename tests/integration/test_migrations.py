"""Migrations: upgrade head works on both databases and matches the models."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from delivery.model import Depot, Round, RoundRun
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.persistence.autogen import include_object
from shop_core.persistence.base import Base
from shop_core.persistence.migrate import downgrade, upgrade
from shop_core.territories.model import PickupPoint
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_territory


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_upgrade_head_creates_every_table_and_the_search_index(db: Database) -> None:
    names = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "product_search" in names
    assert "alembic_version" in names


def test_downgrade_to_base_then_upgrade_again(db: Database) -> None:
    downgrade(db.engine, "base")
    assert "product" not in inspect(db.engine).get_table_names()
    upgrade(db.engine)
    assert "product" in inspect(db.engine).get_table_names()


def test_names_that_read_the_same_before_the_keys_are_numbered_the_oldest_keeping_its_own(
    db: Database,
) -> None:
    with db.uow() as uow:
        territory, other = make_territory(uow), make_territory(uow)
        points = {
            name: add_pickup_point(
                uow=uow, territory_id=where, name=name, address="Place", postal_code="62130",
                city="Saint-Pol-sur-Ternoise",
            )
            for where, name in [
                (territory, "Mairie"), (territory, "Salle"), (territory, "Mairie 2"),
                (territory, "Gare"), (other, "Poste"),
            ]
        }  # fmt: skip
        depots = {
            name: create_depot(
                uow=uow, territory_id=territory, actor=Actor.system(),
                data=DepotInput(name, "Rue", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33),
            )
            for name in ("Bureau de poste", "Hangar")
        }  # fmt: skip
        rounds = {
            name: create_round(
                uow=uow, territory_id=territory, actor=Actor.system(),
                data=RoundInput(name, depots["Hangar"], (1,), dt.time(8), dt.time(12), 10),
            )
            for name in ("Nord", "Sud")
        }  # fmt: skip
    downgrade(db.engine, "0011")
    downgrade(db.engine, "d007")
    # As a database from before the keys may hold them: names the Python check missed.
    with db.engine.begin() as conn:
        for table, row, name in [
            ("pickup_point", points["Salle"], "MAIRIE"),
            ("pickup_point", points["Gare"], "mairie"),
            ("pickup_point", points["Poste"], "Mairie"),  # another territory's: no twin
            ("delivery_depot", depots["Hangar"], "Bureau de Poste"),
            ("delivery_round", rounds["Sud"], "nord"),
        ]:
            conn.execute(
                text(f"UPDATE {table} SET name = :name WHERE id = :id"), {"name": name, "id": row}
            )

    upgrade(db.engine)

    with db.uow() as uow:
        named = {
            model.__tablename__: {
                row.id: (row.name, row.name_key) for row in uow.session.scalars(select(model))
            }
            for model in (PickupPoint, Depot, Round)
        }
    assert named["pickup_point"] == {
        points["Mairie"]: ("Mairie", "mairie"),
        points["Salle"]: ("MAIRIE (3)", "mairie-3"),  # « (2) » reads as « Mairie 2 »
        points["Mairie 2"]: ("Mairie 2", "mairie-2"),
        points["Gare"]: ("mairie (4)", "mairie-4"),
        points["Poste"]: ("Mairie", "mairie"),
    }
    assert named["delivery_depot"] == {
        depots["Bureau de poste"]: ("Bureau de poste", "bureau-de-poste"),
        depots["Hangar"]: ("Bureau de Poste (2)", "bureau-de-poste-2"),
    }
    assert named["delivery_round"] == {
        rounds["Nord"]: ("Nord", "nord"),
        rounds["Sud"]: ("nord (2)", "nord-2"),
    }


def test_runs_planned_before_they_kept_their_depot_are_given_their_rounds(db: Database) -> None:
    with db.uow() as uow:
        territory = make_territory(uow)
        depot = create_depot(
            uow=uow, territory_id=territory, actor=Actor.system(),
            data=DepotInput("Hangar", "Rue", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33),
        )  # fmt: skip
        round_id = create_round(
            uow=uow, territory_id=territory, actor=Actor.system(),
            data=RoundInput("Nord", depot, (1,), dt.time(8), dt.time(12), 10),
        )  # fmt: skip
    downgrade(db.engine, "d009")
    with db.engine.begin() as conn:  # a run as a database from before held it
        plan_id = conn.execute(
            text(
                "INSERT INTO delivery_plan (territory_id, date, planned_at, distance_m) "
                "VALUES (:territory, :date, :at, 0) RETURNING id"
            ),
            {"territory": territory, "date": dt.date(2026, 11, 24), "at": dt.datetime.now(dt.UTC)},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO delivery_round_run (plan_id, round_id, distance_m) "
                "VALUES (:plan, :round, 0)"
            ),
            {"plan": plan_id, "round": round_id},
        )

    upgrade(db.engine)

    with db.uow() as uow:
        assert uow.session.scalars(select(RoundRun.depot_id)).all() == [depot]
