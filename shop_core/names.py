"""Names people tell things apart by: two depots, two rounds or two pickup points of a
territory may not have names that read the same.

Couriers, staff and shoppers choose a depot, a round or a pickup point by its name alone,
so « Mairie de Saint-Pol » and « mairie de saint pol » are one name. Each of those tables
keeps the :func:`name_key` of its name in a column unique per territory: the database
refuses a second one even when two requests pass the services' check at the same instant
(:func:`taken_name_refused` then turns that refusal into the check's French message).

Databases from before the key (migrations 0012 and d008) may hold two such names: the
oldest row keeps its name, each later one gets a number, « Mairie (2) », and the
migration logs the change (:func:`fill_name_keys`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Integer, String, column, select, table, update
from sqlalchemy.exc import IntegrityError

from shop_core.persistence.uow import UnitOfWork

log = logging.getLogger(__name__)

#: The length of the key columns (a key may be longer than its name: « œ » gives « oe »).
KEY_LENGTH = 255

_WORD = re.compile(r"[^\W_]+")  # letters and digits, of any alphabet
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})  # NFKD leaves them whole


def name_key(name: str) -> str:
    """``name`` as it is compared with the others: case, accents, spaces and punctuation
    ignored (« Médiathèque de Frévent » and « MEDIATHEQUE de frevent » →
    ``"mediatheque-de-frevent"``)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LIGATURES)
    # A name of signs alone (« *** ») has no words: it is compared as it is written.
    key = "-".join(_WORD.findall(plain)) or " ".join(name.casefold().split())
    return key[:KEY_LENGTH]


@contextmanager
def taken_name_refused(uow: UnitOfWork, check: Callable[[], None]) -> Iterator[None]:
    """Around the write of a name that ``check`` found free: when the database refuses it
    because another request gave it meanwhile, roll back and run ``check`` again, which now
    raises its ``ValidationError``; any other refusal is raised as it is."""
    try:
        yield
    except IntegrityError:
        uow.rollback()
        check()
        raise


def fill_name_keys(connection: Connection, table_name: str, *, name_length: int = 120) -> None:
    """Write the ``name_key`` of every row of ``table_name`` (a migration's step), numbering
    the names that would read the same as an older one of their territory.

    The oldest row (lowest id) keeps its name; each later one becomes « Name (2) »,
    « Name (3) »… with the first number whose key no row of the territory has.
    """
    rows_table = table(
        table_name,
        column("id", Integer),
        column("territory_id", Integer),
        column("name", String),
        column("name_key", String),
    )
    rows = connection.execute(
        select(rows_table.c.id, rows_table.c.territory_id, rows_table.c.name).order_by(
            rows_table.c.id
        )
    ).all()
    # Which row each key is for: the oldest with it, then the renamed ones as they claim one.
    owner: dict[tuple[int, str], int] = {}
    for row_id, territory_id, name in rows:
        owner.setdefault((territory_id, name_key(name)), row_id)
    for row_id, territory_id, name in rows:
        key, new_name, number = name_key(name), name, 1
        while owner[(territory_id, key)] != row_id:
            number += 1
            suffix = f" ({number})"
            base = name[: name_length - len(suffix)].rstrip()
            # A key cut at its column's length would lose the number, and every number
            # would read as the name itself: shorten the name until the number shows.
            while base and len(name_key(base + suffix)) >= KEY_LENGTH:
                base = base[:-1].rstrip()
            new_name = (base + suffix).strip()
            key = name_key(new_name)
            owner.setdefault((territory_id, key), row_id)
        if new_name != name:
            log.warning(
                "%s %s: « %s » renamed « %s », another of its territory had that name",
                table_name, row_id, name, new_name,
            )  # fmt: skip
        connection.execute(
            update(rows_table).where(rows_table.c.id == row_id).values(name=new_name, name_key=key)
        )
