"""The people who run a territory are a team, « l'animation (du territoire) », as the
operator's own pages and the journal say: no page, e-mail or message names them « l'animateur »
or « l'animatrice » (one man, or one woman)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONE_PERSON = re.compile(r"\banimat(?:eur|rice)s?\b", re.IGNORECASE)


def test_no_text_names_the_territory_s_team_as_one_person() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("reference_app", "shop_core", "delivery")
        for path in sorted((ROOT / package).rglob("*"))
        if path.suffix in {".py", ".html", ".txt"} and "translations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ONE_PERSON.search(line)
    ]
    assert found == []
