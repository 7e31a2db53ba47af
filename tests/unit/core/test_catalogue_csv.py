"""Reading a merchant's catalogue file: encodings, separators, French headers, line errors."""

from __future__ import annotations

from shop_core.catalogue.csv_import import decode, parse_catalogue
from shop_core.catalogue.model import Unit
from shop_core.vat import VatRate

HEADER = "nom;prix;tva;unite;stock;description;categorie;poids_estime_g;perissable\n"


def test_a_valid_line_becomes_a_product_with_cents_rate_unit_and_stock() -> None:
    parsed = parse_catalogue(
        HEADER + "Pain de campagne;3,50;5,5;pièce;20;Levain naturel;Boulangerie;;oui\n"
    )
    assert parsed.errors == []
    (row,) = parsed.rows
    assert row.line == 2
    assert row.product.name == "Pain de campagne"
    assert row.product.price_cents == 350
    assert row.product.vat_rate is VatRate.REDUCED
    assert row.product.unit is Unit.PIECE
    assert row.product.track_stock and row.product.stock_quantity == 20
    assert row.product.no_withdrawal is True
    assert row.category == "Boulangerie"


def test_empty_stock_means_not_tracked_and_defaults_fill_empty_columns() -> None:
    parsed = parse_catalogue("nom;prix\nPommes;2.90\n")
    (row,) = parsed.rows
    assert row.product.track_stock is False
    assert row.product.vat_rate is VatRate.REDUCED and row.product.unit is Unit.PIECE
    assert row.product.price_cents == 290


def test_windows_1252_file_with_comma_separator_and_accented_headers_is_read() -> None:
    text = "Nom,Prix TTC,TVA,Unité,Stock,Catégorie,Poids estimé (g),Périssable\r\n"
    text += 'Rôti de porc,"18,90",5.5,kg,4,Boucherie,1000,oui\r\n'
    parsed = parse_catalogue(decode(text.encode("cp1252")))
    assert parsed.errors == []
    (row,) = parsed.rows
    assert row.product.name == "Rôti de porc"
    assert row.product.unit is Unit.KG and row.product.estimated_weight_g == 1000
    assert row.product.price_cents == 1890


def test_utf8_bom_is_ignored() -> None:
    parsed = parse_catalogue(decode(("\ufeff" + HEADER + "Brioche;4;5,5;;;;;;\n").encode()))
    assert [r.product.name for r in parsed.rows] == ["Brioche"]


def test_each_bad_line_gets_its_line_number_and_a_french_message() -> None:
    parsed = parse_catalogue(
        HEADER
        + "Pain;3,50;5,5;pièce;;;;;\n"
        + ";2,00;;;;;;;\n"
        + "Tarte;douze;;;;;;;\n"
        + "Cidre;4,00;7;;;;;;\n"
        + "Miel;8,00;5,5;seau;;;;;\n"
        + "Rôti;18,90;5,5;kg;3;;;;\n"
        + "Oeufs;3,00;5,5;douzaine;-2;;;;\n"
        + "pain;3,60;;;;;;;\n"
        + "Confiture;4,50;5,5;pot;3;;;;peut-être\n"
    )
    assert [r.product.name for r in parsed.rows] == ["Pain"]
    errors = {e.line: e.message for e in parsed.errors}
    assert errors[3] == "Le nom du produit est vide."
    assert "Prix « douze » illisible" in errors[4]
    assert "Taux de TVA « 7 » inconnu" in errors[5]
    assert "Unité « seau » inconnue" in errors[6]
    assert "poids estimé" in errors[7].lower()
    assert "stock" in errors[8].lower()
    assert errors[9] == "« pain » figure déjà ligne 2."
    assert "oui ou non" in errors[10]


def test_a_price_with_three_decimals_is_told_two_at_most_not_unreadable() -> None:
    parsed = parse_catalogue(HEADER + "Éclair;2,555;;;;;;;\n")
    assert [e.message for e in parsed.errors] == [
        "Prix « 2,555 » : 2 chiffres après la virgule au plus."
    ]


def test_missing_required_columns_is_one_error_on_line_one() -> None:
    parsed = parse_catalogue("libelle;montant\nPain;3\n")
    assert parsed.rows == []
    assert parsed.errors[0].line == 1
    assert "nom, prix" in parsed.errors[0].message


def test_unknown_columns_are_ignored_with_a_warning() -> None:
    parsed = parse_catalogue("nom;prix;couleur\nPain;3;bleu\n")
    assert len(parsed.rows) == 1
    assert parsed.warnings == ["Colonne « couleur » ignorée."]


def test_blank_lines_are_skipped_and_quoted_fields_may_hold_separators() -> None:
    parsed = parse_catalogue('nom;prix;description\n\n"Pain; le bon";3;"Cuit; au feu"\n;;\n')
    (row,) = parsed.rows
    assert row.product.name == "Pain; le bon" and row.product.description == "Cuit; au feu"


def test_an_empty_file_is_an_error() -> None:
    assert parse_catalogue("  \n").errors[0].message == "Le fichier est vide."


def test_a_line_the_csv_reader_refuses_is_said_in_french_and_the_next_lines_are_read() -> None:
    parsed = parse_catalogue("nom;prix\nÉnorme;" + "a" * 200_000 + "\nPommes;2\n")
    (error,) = parsed.errors
    assert error.line == 2
    assert error.message == "Ligne illisible : une cellule dépasse 131\u202f072 caractères."
    assert [row.product.name for row in parsed.rows] == ["Pommes"]


def test_the_header_expected_is_spelt_with_spaces_so_that_it_wraps_on_a_phone() -> None:
    (error,) = parse_catalogue("libelle;montant\nPain;3\n").errors
    assert "nom; prix; tva; unite; stock;" in error.message
    assert all(len(word) <= 20 for word in error.message.split())
