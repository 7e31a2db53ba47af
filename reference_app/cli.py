"""Command-line steps: ``flask --app reference_app init-db | load-demo | create-user | …``."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from sqlalchemy import select

from reference_app import db, routines
from reference_app.rounds import settings
from reference_app.security import hash_password
from shop_core.accounts.model import Role
from shop_core.accounts.services import register_user
from shop_core.audit.services import Actor
from shop_core.errors import DomainError
from shop_core.merchants.model import MemberRole
from shop_core.merchants.services import add_member
from shop_core.territories.model import Territory


def init_app(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema (idempotent)."""
        import os

        os.makedirs(app.instance_path, exist_ok=True)
        db.database().migrate()
        click.echo(f"Base de données à jour : {app.config['DATABASE_URL']}")

    @app.cli.command("load-demo")
    @click.option("--if-empty", is_flag=True, help="Ne rien faire si un territoire existe déjà.")
    def load_demo(if_empty: bool) -> None:
        """Load the demo territory "Ternois" (merchants, products, shoppers, orders)."""
        from reference_app.demo import loader

        with db.database().uow() as uow:
            exists = uow.session.scalar(select(Territory.id).limit(1)) is not None
        if if_empty and exists:
            click.echo("Un territoire existe déjà : démo non rechargée.")
        else:
            loader.load(db.database(), now=settings.now())
            click.echo("Territoire de démonstration « Ternois » chargé.")
        loader.print_accounts(click.echo)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", "full_name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), default="shopper")
    @click.option("--territory", "slug", default=None, help="Slug du territoire.")
    @click.option("--merchant-id", type=int, default=None, help="Rattacher à une boutique.")
    def create_user(
        email: str,
        full_name: str,
        password: str,
        role: str,
        slug: str | None,
        merchant_id: int | None,
    ) -> None:
        """Create an account (operator, courier, merchant staff or shopper)."""
        with db.database().uow() as uow:
            query = select(Territory).order_by(Territory.id)
            if slug:
                query = query.where(Territory.slug == slug)
            territory = uow.session.scalars(query).first()
            if territory is None:
                raise click.ClickException("Territoire introuvable.")
            try:
                uid = register_user(
                    uow=uow,
                    territory_id=territory.id,
                    email=email,
                    full_name=full_name,
                    password_hash=hash_password(password),
                    role=Role(role),
                )
                if merchant_id is not None:
                    add_member(
                        uow=uow,
                        merchant_id=merchant_id,
                        user_id=uid,
                        role=MemberRole.OWNER,
                        actor=Actor.system(),
                    )
            except DomainError as error:
                raise click.ClickException(str(error)) from error
        click.echo(f"Compte créé : {email} ({role})")

    @app.cli.command("release-expired")
    def release_expired_cmd() -> None:
        """Cancel unpaid online orders whose stock reservation expired."""
        count = routines.expire_unpaid()
        if count == 0:
            click.echo("Aucune commande expirée.")
        elif count == 1:
            click.echo("1 commande expirée annulée.")
        else:
            click.echo(f"{count} commandes expirées annulées.")

    @app.cli.command("postpone-unserved")
    @click.option(
        "--date",
        "day",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Jour à traiter (AAAA-MM-JJ) ; par défaut la veille de chaque territoire.",
    )
    def postpone_unserved_cmd(day: dt.datetime | None) -> None:
        """Move the orders a day did not deliver to their next possible date, shoppers and
        shops told by e-mail (the app does it each night for the day before: see
        ``routines``)."""
        for territory in routines.territories():
            today = settings.today(territory)
            date = day.date() if day else today - dt.timedelta(days=1)
            for line in routines.postpone_day(territory, date, today=today).lines:
                click.echo(line)

    @app.cli.command("remind-pickups")
    def remind_pickups_cmd() -> None:
        """Remind the shoppers whose parcels have waited 3 or 7 days at a pickup point (the
        app does it each morning: see ``routines``; once a day, whoever asks first)."""
        for territory in routines.territories():
            today = settings.today(territory)
            if not routines.claim_reminders(territory, today):
                click.echo(f"{territory.name} : rappels du jour déjà envoyés.")
                continue
            for line in routines.remind_pickups(territory, today).lines:
                click.echo(line)

    @app.cli.command("routines")
    def routines_cmd() -> None:
        """Do the routine work that is due (what the app's own ticking does every minute:
        for cron, with CABAS_ROUTINES=off)."""
        lines = routines.tick().lines
        for line in lines or ["Rien à faire."]:
            click.echo(line)
