"""Company identifiers and the French search normalisation."""

from __future__ import annotations

from shop_core.catalogue.search import terms, unaccent
from shop_core.merchants.identity import valid_siren, valid_siret, valid_vat_number, vat_number_for
from shop_core.slugs import slugify
from shop_core.testing.factories import luhn_siren


def test_known_siren_and_vat_number_are_valid() -> None:
    # La Poste's SIREN and its published VAT number
    assert valid_siren("356 000 000")
    assert vat_number_for("356000000") == "FR39356000000"
    assert valid_vat_number("FR 39 356000000", "356000000")


def test_a_mistyped_siren_is_rejected() -> None:
    assert not valid_siren("356000001")
    assert not valid_siren("35600000")
    assert not valid_siret("35600000000049")


def test_factory_sirens_pass_the_luhn_check() -> None:
    assert all(valid_siren(luhn_siren(n)) for n in range(1, 200))


def test_search_terms_ignore_accents_case_and_plurals() -> None:
    assert unaccent("Crème Brûlée") == "creme brulee"
    assert terms("Pommes") == terms("pomme")
    assert terms("crème") == terms("Creme")
    assert terms("les poireaux de la ferme") == terms("poireau ferme")


def test_slugify_keeps_readable_ascii() -> None:
    assert slugify("Pain de campagne à l'ancienne") == "pain-de-campagne-a-l-ancienne"
    assert slugify("!!!") == "item"


def test_slugify_spells_out_the_letters_accents_do_not_explain() -> None:
    # « œ » was dropped: « fromages-cremerie-et-ufs ».
    assert slugify("Fromages, crèmerie et œufs") == "fromages-cremerie-et-oeufs"
    assert slugify("BŒUF ET CŒUR DE VEAU") == "boeuf-et-coeur-de-veau"
    assert slugify("Ex æquo") == "ex-aequo"
    assert slugify("Weißbier") == "weissbier"
    assert slugify("Smørrebrød à Łódź") == "smorrebrod-a-lodz"
