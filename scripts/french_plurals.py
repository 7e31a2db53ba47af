"""Write the French catalogue: the plural messages only, translated to themselves.

The interface is written in French, so no French translation is needed, except for
plurals: without a French catalogue gettext applies the English rule (singular for 1
only) and shows "0 lignes en erreur". French takes the singular for 0 and 1. Run by
`make translations` after the template (.pot) is extracted.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "reference_app" / "translations"


def main() -> int:
    with (TRANSLATIONS / "messages.pot").open("rb") as source:
        template = read_po(source)
    french = Catalog(
        locale="fr",
        project="Cabas",
        fuzzy=False,
        # A fixed date: the file changes only when the plural messages do.
        creation_date=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
        revision_date=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
        header_comment="# French catalogue of Cabas: the plural messages only.\n"
        "# Written by scripts/french_plurals.py (make translations); do not edit.",
    )
    for message in template:
        if isinstance(message.id, tuple):  # a message with a plural
            singular, plural = message.id
            # The first form is the singular (0 and 1); every other one (CLDR also has
            # "many", for millions) reads as the plural.
            forms = (singular,) + (plural,) * (french.num_plurals - 1)
            french.add((singular, plural), string=forms)
    target = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        write_po(out, french, omit_header=False, sort_output=True, no_location=True)
    print(f"{target}: {sum(1 for m in french if m.id)} plural messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
