"""The catalogue as a CSV file: upload, preview with line errors, confirm; export.

The preview keeps nothing on the server: the file's text travels back with the
confirmation inside a signed, compressed hidden field (itsdangerous), bound to the merchant
and valid one hour. Confirming parses that text again (a pure, fast function) and imports
the lines that are valid then.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.auth.users import actor, merchant_required
from reference_app.domain_messages import shown_line
from reference_app.extensions import limit_uploads
from reference_app.merchant.blueprint import bp, shop
from reference_app.merchant.forms import ConfirmImportForm, ImportForm
from shop_core.catalogue.bulk import export_catalogue, import_catalogue, plan_import
from shop_core.catalogue.csv_import import COLUMNS, decode, parse_catalogue
from shop_core.errors import DomainError

_SALT = "catalogue-import"
_MAX_AGE = 3600
# Werkzeug refuses form fields above MAX_FORM_MEMORY_SIZE (500 kB by default).
_MAX_TOKEN = 450_000
PREVIEW_ROWS = 100


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _sign(merchant_id: int, text: str) -> str:
    return _serializer().dumps({"m": merchant_id, "csv": text})


def _unsign(token: str, merchant_id: int) -> str | None:
    try:
        data = _serializer().loads(token, max_age=_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("m") != merchant_id:
        return None
    text = data.get("csv")
    return text if isinstance(text, str) else None


def _preview(text: str, form: ImportForm) -> str | tuple[str, int]:
    merchant = shop()
    parsed = parse_catalogue(text)
    plan = plan_import(db.uow(), merchant_id=merchant.id, rows=parsed.rows)
    errors = sorted(parsed.errors + plan.errors, key=lambda e: e.line)
    token = _sign(merchant.id, text) if plan.rows else ""
    if len(token) > _MAX_TOKEN:
        form.file.errors = [
            _("Ce fichier est trop gros pour un seul import : coupez-le en plusieurs fichiers.")
        ]
        return render_template("merchant/import.html", form=form, columns=COLUMNS), 422
    update_names = {id(r) for r in plan.update}
    return render_template(
        "merchant/import_preview.html",
        merchant=merchant,
        rows=plan.rows[:PREVIEW_ROWS],
        row_count=len(plan.rows),
        create_count=len(plan.create),
        update_count=len(plan.update),
        is_update=lambda row: id(row) in update_names,
        errors=[(e.line, shown_line(e)) for e in errors],
        ignored=parsed.ignored_columns,
        confirm=ConfirmImportForm(formdata=None, token=token),
    )


# How a spreadsheet's own file begins: .xlsx and .ods are zip archives, .xls an OLE file.
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _not_a_csv(data: bytes) -> str | None:
    """Why the file cannot be a CSV (a workbook, a photo, a PDF), or ``None``.

    Read as text, such a file gave a preview listing its bytes as an ignored column.
    """
    if data.startswith(_WORKBOOK_MAGIC):
        return _(
            "Ce fichier est un classeur de tableur, pas un fichier CSV : dans votre tableur, "
            "choisissez « Enregistrer sous », puis le type « CSV », et envoyez ce fichier-là."
        )
    if data.startswith(b"%PDF-") or b"\x00" in data[:4096]:
        return _(
            "Ce fichier n'est pas un fichier CSV (une image, un PDF ?) : dans votre tableur, "
            "choisissez « Enregistrer sous », puis le type « CSV », et envoyez ce fichier-là."
        )
    return None


@bp.route("/boutique/produits/import", methods=["GET", "POST"])
@limit_uploads
@merchant_required
def import_catalogue_file() -> str | tuple[str, int]:
    form = ImportForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Choisissez le fichier à importer.")]
        else:
            data = upload.read()
            refused = _not_a_csv(data)
            if refused:
                form.file.errors = [refused]
            else:
                return _preview(decode(data), form)
    status = 422 if form.is_submitted() else 200
    return render_template("merchant/import.html", form=form, columns=COLUMNS), status


@bp.route("/boutique/produits/import/confirmer", methods=["POST"])
@merchant_required
def confirm_import() -> str | Response:
    merchant = shop()
    form = ConfirmImportForm()
    text = _unsign(form.token.data or "", merchant.id) if form.validate_on_submit() else None
    if text is None:
        flash(
            _("Cet aperçu a expiré ou n'est pas valable : envoyez le fichier à nouveau."), "error"
        )
        return redirect(url_for("merchant.import_catalogue_file"))
    parsed = parse_catalogue(text)
    plan = plan_import(db.uow(), merchant_id=merchant.id, rows=parsed.rows)
    try:
        report = import_catalogue(
            uow=db.uow(), merchant_id=merchant.id, rows=plan.rows, actor=actor()
        )
    except DomainError as error:
        db.uow().rollback()
        flash(_("Rien n'a été importé : %(error)s", error=str(error)), "error")
        return redirect(url_for("merchant.import_catalogue_file"))
    flash(
        _(
            "Import terminé : %(created)s, %(updated)s.",
            created=ngettext("%(num)s produit créé", "%(num)s produits créés", len(report.created)),
            updated=ngettext("%(num)s mis à jour", "%(num)s mis à jour", len(report.updated)),
        ),
        "success",
    )
    return render_template("merchant/import_done.html", merchant=merchant, report=report)


@bp.route("/boutique/produits/export.csv")
@merchant_required
def export_catalogue_file() -> Response:
    merchant = shop()
    text = export_catalogue(db.uow(), merchant_id=merchant.id)
    response = make_response(text.encode("utf-8-sig"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="catalogue-{merchant.slug}.csv"'
    )
    return response
