"""The bundled gazetteer answers offline from package data."""

from __future__ import annotations

from delivery import gazetteer


def test_lookup_by_insee_code() -> None:
    saint_pol = gazetteer.by_insee("62767")
    assert saint_pol is not None
    assert saint_pol.name == "Saint-Pol-sur-Ternoise"
    assert 50.3 < saint_pol.lat < 50.5 and 2.2 < saint_pol.lon < 2.5


def test_find_by_postal_code_ignores_accents_case_and_dashes() -> None:
    found = gazetteer.find("62270", "frevent")
    assert found is not None and found.name == "Frévent"
    assert gazetteer.find("62130", "SAINT POL SUR TERNOISE") is not None
    assert gazetteer.find("62130", "Atlantis") is None


def test_search_ranks_larger_communes_first() -> None:
    names = [c.name for c in gazetteer.search("saint-pol")]
    assert names[0] == "Saint-Pol-sur-Ternoise"
    assert gazetteer.search("") == []


def test_communes_within_a_radius_include_the_centre_once() -> None:
    near = gazetteer.within(50.3814, 2.3347, 8)
    codes = [c.insee_code for c in near]
    assert "62767" in codes
    assert len(codes) == len(set(codes))
    assert 10 < len(codes) < 80
