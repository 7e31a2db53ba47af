"""search rows say whether their product is on sale (PostgreSQL)

A search used to find the matching rows of ``product_search`` and join ``product`` and
``merchant`` to keep only products on sale from active shops, then rank every match. At
100,000 products a common word ("pain", "produit") matched thousands of rows, each joined
and ranked. The search rows now carry what the search filters and sorts on (on sale, shop,
category, name); the GIN index holds only the rows on sale, so a search reads one table
and its indexes. A second GIN index, on the name alone, finds the products whose name
matches without rechecking every match of a common word (GIN does not store weights). The
SQLite index (FTS5) is unchanged.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE product_search "
        "ADD COLUMN merchant_id INTEGER, "
        "ADD COLUMN category_id INTEGER, "
        "ADD COLUMN name TEXT NOT NULL DEFAULT '', "
        "ADD COLUMN on_sale BOOLEAN NOT NULL DEFAULT false"
    )
    op.execute(
        "UPDATE product_search AS s SET merchant_id = p.merchant_id, "
        "category_id = p.category_id, name = p.name, "
        "on_sale = (p.active AND NOT p.archived AND m.status = 'active') "
        "FROM product AS p JOIN merchant AS m ON m.id = p.merchant_id "
        "WHERE p.id = s.product_id"
    )
    op.execute("DROP INDEX IF EXISTS ix_product_search_document")
    op.execute(
        "CREATE INDEX ix_product_search_document_on_sale ON product_search "
        "USING GIN (document) WHERE on_sale"
    )
    op.execute(
        "CREATE INDEX ix_product_search_name_on_sale ON product_search "
        "USING GIN (to_tsvector('cabas_french'::regconfig, name)) WHERE on_sale"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_product_search_name_on_sale")
    op.execute("DROP INDEX IF EXISTS ix_product_search_document_on_sale")
    op.execute("CREATE INDEX ix_product_search_document ON product_search USING GIN (document)")
    op.execute(
        "ALTER TABLE product_search DROP COLUMN merchant_id, DROP COLUMN category_id, "
        "DROP COLUMN name, DROP COLUMN on_sale"
    )
