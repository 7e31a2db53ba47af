"""The README's "build your own shop" example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Build your own shop on `shop_core`", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README lost its example"
    return match.group(1)


def test_readme_example_runs_and_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(_example(), "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Stock insuffisant pour « Harengs fumés » : 3 disponibles."
    assert out[1] == "29,00\u00a0€"
    assert out[2].startswith("BOU-") and out[2].endswith("picked_up 29,00\u00a0€")
    assert (tmp_path / "boulogne.db").exists()
