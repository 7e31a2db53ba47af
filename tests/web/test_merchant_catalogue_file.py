"""Catalogue CSV: upload, preview with line errors, confirm through a signed field, export."""

from __future__ import annotations

import html
import io
import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from shop_core.catalogue.model import Product
from shop_core.database import Database

from .conftest import World, login

FILE = (
    "nom;prix;tva;unite;stock;description;categorie;poids_estime_g;perissable\n"
    "Pain de campagne;3,80;5,5;pièce;15;Au levain;Boulangerie;;oui\n"
    "Baguette tradition;1,30;5,5;pièce;40;;Boulangerie;;oui\n"
    "Croissant;un euro;5,5;pièce;10;;;;\n"
    "Chouquettes;2,50;5,5;sachet;;;;;\n"
    "Galette des rois;18,00;5,5;pièce;4;;Pâtisserie fine;;oui\n"
)


def _upload(client: FlaskClient, text: str | bytes, name: str = "catalogue.csv") -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    response = client.post(
        "/boutique/produits/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def _token(page: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', page
    )
    if match is None:
        match = re.search(r'name="token"[^>]*value="([^"]+)"', page)
    assert match, "no signed token in the preview"
    return match.group(1)


def _count(db: Database, merchant_id: int) -> int:
    with db.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(Product).where(Product.merchant_id == merchant_id)
            )
            or 0
        )


def test_the_preview_reads_in_english_on_english_pages(client: FlaskClient, world: World) -> None:
    """The rows' errors and the ignored columns were French on English pages, after a
    French colon (« Row 4 : Prix « un euro » illisible »)."""
    login(client, world.baker_email)
    client.get("/?lang=en")
    page = html.unescape(_upload(client, FILE.replace("perissable", "perissable;couleur", 1)))
    assert "<strong>Row 4:</strong> Price “un euro” unreadable (example: 12.50)." in page
    assert "<strong>Row 5:</strong> Unknown unit “sachet”" in page
    assert "Column “couleur” ignored." in page
    assert "illisible" not in page and "ignorée" not in page


def test_preview_lists_errors_by_line_and_changes_nothing_until_confirmed(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    before = _count(db, world.baker_id)
    page = _upload(client, FILE)
    assert "Aperçu de l'import" in page
    assert "<strong>Ligne 4 :</strong> Prix « un euro » illisible (exemple : 12,50)." in page
    assert "<strong>Ligne 5 :</strong> Unité « sachet » inconnue" in page
    assert (
        "<strong>Ligne 6 :</strong> Catégorie « Pâtisserie fine » inconnue sur ce territoire."
        in page
    )
    assert '<span class="tile-number">1</span> à créer' in page
    assert '<span class="tile-number">1</span> à mettre à jour' in page
    assert "Importer 2 produits" in page
    assert _count(db, world.baker_id) == before

    done = client.post("/boutique/produits/import/confirmer", data={"token": _token(page)})
    result = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "Import terminé : 1 produit créé, 1 mis à jour." in result
    assert "1 produit créé</h2>" in result and "1 produit mis à jour</h2>" in result
    assert "Baguette tradition" in result
    client.post("/logout")
    login(client, world.operator_email)
    journal = client.get(f"/admin/boutiques/{world.baker_id}/journal").get_data(as_text=True)
    assert "1 produit créé, 1 mis à jour" in journal
    with db.uow() as uow:
        bread = uow.session.get_one(Product, world.bread_id)
        assert (bread.price_cents, bread.stock_quantity, bread.no_withdrawal) == (380, 15, True)
        baguette = uow.session.scalar(select(Product).where(Product.name == "Baguette tradition"))
        assert baguette is not None and baguette.category_id == world.category_id
        assert uow.session.scalar(select(Product).where(Product.name == "Croissant")) is None
    assert _count(db, world.baker_id) == before + 1


def test_a_file_with_every_line_wrong_does_not_offer_to_import_the_valid_lines(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    page = html.unescape(_upload(client, "nom;prix\nCroissant;un euro\n;2,00\n"))
    assert "Corrigez-les dans votre tableur et renvoyez le fichier." in page
    assert "importez déjà les lignes valables" not in page
    assert "Aucune ligne ne peut être importée." in page
    # With valid lines beside the wrong ones, importing them is offered.
    page = html.unescape(_upload(client, "nom;prix\nCroissant;un euro\nPain;3,00\n"))
    assert "ou importez déjà les lignes valables." in page


def test_a_forged_or_other_merchants_token_imports_nothing(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.baker_email)
    token = _token(_upload(client, FILE))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    refused = client.post(
        "/boutique/produits/import/confirmer", data={"token": forged}, follow_redirects=True
    )
    assert "Cet aperçu a expiré ou n&#39;est pas valable" in refused.get_data(as_text=True)
    client.post("/logout")
    login(client, world.farmer_email)
    before = _count(db, world.farmer_id)
    client.post("/boutique/produits/import/confirmer", data={"token": token})
    assert _count(db, world.farmer_id) == before
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(Product).where(Product.name == "Baguette tradition")) is None
        )


def test_windows_1252_files_with_commas_are_read(
    client: FlaskClient, db: Database, world: World
) -> None:
    login(client, world.farmer_email)
    text = 'Nom,Prix,Unité,Poids estimé (g)\r\nÉpaule d\'agneau,"24,50",kg,1800\r\n'
    page = _upload(client, text.encode("cp1252"))
    assert "Épaule d&#39;agneau" in page and "24,50" in page
    client.post("/boutique/produits/import/confirmer", data={"token": _token(page)})
    with db.uow() as uow:
        lamb = uow.session.scalar(select(Product).where(Product.name == "Épaule d'agneau"))
        assert lamb is not None and lamb.sold_by_weight and lamb.estimated_weight_g == 1800


def test_a_file_without_the_required_columns_is_explained(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    page = _upload(client, "libelle;montant\nPain;3\n")
    assert "Colonnes obligatoires manquantes : nom, prix." in page
    assert "Aucune ligne ne peut être importée." in page
    assert 'name="token"' not in page


def test_no_file_chosen_is_a_french_field_error(client: FlaskClient, world: World) -> None:
    login(client, world.baker_email)
    response = client.post("/boutique/produits/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choisissez le fichier à importer." in response.get_data(as_text=True)


def test_export_reimports_as_updates_only(client: FlaskClient, db: Database, world: World) -> None:
    login(client, world.farmer_email)
    exported = client.get("/boutique/produits/export.csv")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert exported.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 correctly
    text = exported.data.decode("utf-8-sig")
    assert "Rôti de porc;18,90;5,5;kg;5;;;1000;non" in text
    assert "Pommes Reinette;2,90;5,5;pièce;;" in text
    page = _upload(client, exported.data, "export.csv")
    assert '<span class="tile-number">0</span> à créer' in page
    assert '<span class="tile-number">2</span> à mettre à jour' in page
    assert '<span class="tile-number">0</span> ligne en erreur' in page  # French: 0 is singular
    client.post("/boutique/produits/import/confirmer", data={"token": _token(page)})
    again = client.get("/boutique/produits/export.csv")
    assert again.data == exported.data


def test_export_keeps_formulas_from_running_and_reimports_the_text_as_typed(
    client: FlaskClient, db: Database, world: World
) -> None:
    """A name like « =HYPERLINK(…) » ran as a formula when the file was opened (CSV
    injection): it is written with a leading apostrophe, which the import takes off."""
    with db.uow() as uow:
        roast, apples = (
            uow.session.scalar(select(Product).where(Product.name == name))
            for name in ("Rôti de porc", "Pommes Reinette")
        )
        assert roast is not None and apples is not None
        roast.name = '=HYPERLINK("http://x";"clic")'
        roast.description = "+33 6 12 34 56 78"
        apples.description = "@moi\t-5 % le lot"
        uow.commit()
    login(client, world.farmer_email)
    text = client.get("/boutique/produits/export.csv").data.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x"";""clic"")";' in text
    assert ";'+33 6 12 34 56 78;" in text and ";'@moi\t-5 % le lot;" in text
    page = _upload(client, text, "export.csv")
    assert '<span class="tile-number">2</span> à mettre à jour' in page
    client.post("/boutique/produits/import/confirmer", data={"token": _token(page)})
    with db.uow() as uow:
        descriptions = set(uow.session.scalars(select(Product.description)))
    assert {"+33 6 12 34 56 78", "@moi\t-5 % le lot"} <= descriptions
    assert client.get("/boutique/produits/export.csv").data.decode("utf-8-sig") == text


def test_shoppers_cannot_import_or_export(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    assert client.get("/boutique/produits/export.csv").status_code == 403
    assert client.get("/boutique/produits/import").status_code == 403
