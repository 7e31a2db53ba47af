"""Initial schema, with the dialect-specific full-text search index

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "territory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tagline", sa.String(length=200), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("logo_key", sa.String(length=255), nullable=True),
        sa.Column("commission_rate_bp", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("order_cutoff", sa.Time(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territory")),
        sa.UniqueConstraint("slug", name=op.f("uq_territory_slug")),
    )
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_category_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("territory_id", "slug", name=op.f("uq_category_territory_id_slug")),
    )
    op.create_table(
        "commune",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_commune_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune")),
        sa.UniqueConstraint(
            "territory_id",
            "insee_code",
            "postal_code",
            name=op.f("uq_commune_territory_id_insee_code_postal_code"),
        ),
    )
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commune_insee_code"), ["insee_code"], unique=False)

    op.create_table(
        "delivery_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_delivery_slot_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_slot")),
        sa.UniqueConstraint(
            "territory_id", "code", name=op.f("uq_delivery_slot_territory_id_code")
        ),
    )
    op.create_table(
        "merchant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("trade_name", sa.String(length=120), nullable=False),
        sa.Column("legal_name", sa.String(length=160), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("vat_number", sa.String(length=20), nullable=False),
        sa.Column("vat_franchise", sa.Boolean(), nullable=False),
        sa.Column(
            "trade",
            sa.Enum(
                "boulangerie",
                "boucherie",
                "charcuterie",
                "fromagerie",
                "ferme",
                "maraicher",
                "epicerie",
                "poissonnerie",
                "fleuriste",
                "brasserie",
                "caviste",
                "artisan",
                "librairie",
                "autre",
                name="trade",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "active",
                "suspended",
                name="merchantstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("assisted", sa.Boolean(), nullable=False),
        sa.Column("click_and_collect", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_merchant_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant")),
        sa.UniqueConstraint("territory_id", "slug", name=op.f("uq_merchant_territory_id_slug")),
    )
    op.create_table(
        "pickup_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("opening_notes", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_pickup_point_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_point")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "shopper",
                "merchant",
                "courier",
                "operator",
                name="role",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_user_account_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint(
            "territory_id", "email", name=op.f("uq_user_account_territory_id_email")
        ),
    )
    op.create_table(
        "address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("instructions", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_address_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_audit_entry_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_audit_entry_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_audit_entry_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_entry_merchant_id"), ["merchant_id"], unique=False
        )

    op.create_table(
        "cart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_cart_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_cart_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart")),
        sa.UniqueConstraint("token", name=op.f("uq_cart_token")),
        sa.UniqueConstraint("user_id", name=op.f("uq_cart_user_id")),
    )
    op.create_table(
        "invoice_sequence",
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_invoice_sequence_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_invoice_sequence")),
    )
    op.create_table(
        "merchant_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "staff", name="memberrole", native_enum=False, length=10),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_merchant_member_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_merchant_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_member")),
        sa.UniqueConstraint(
            "merchant_id", "user_id", name=op.f("uq_merchant_member_merchant_id_user_id")
        ),
    )
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_opening_hours_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=140), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "piece",
                "kg",
                "100g",
                "litre",
                "bunch",
                "dozen",
                "jar",
                "bottle",
                "box",
                name="unit",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("sold_by_weight", sa.Boolean(), nullable=False),
        sa.Column("estimated_weight_g", sa.Integer(), nullable=True),
        sa.Column("weight_tolerance_pct", sa.Integer(), nullable=False),
        sa.Column("track_stock", sa.Boolean(), nullable=False),
        sa.Column("stock_quantity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("no_withdrawal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_product_price_not_negative")),
        sa.CheckConstraint("stock_quantity >= 0", name=op.f("ck_product_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_product_category_id_category"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_product_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("merchant_id", "slug", name=op.f("uq_product_merchant_id_slug")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "shop_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("customer_name", sa.String(length=120), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("customer_phone", sa.String(length=30), nullable=False),
        sa.Column(
            "delivery_method",
            sa.Enum(
                "home",
                "pickup_point",
                "click_collect",
                name="deliverymethod",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("delivery_slot", sa.String(length=30), nullable=True),
        sa.Column("pickup_point_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=False),
        sa.Column("address_line2", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("address_approximate", sa.Boolean(), nullable=False),
        sa.Column("delivery_instructions", sa.String(length=300), nullable=False),
        sa.Column("delivery_code", sa.String(length=6), nullable=False),
        sa.Column(
            "payment_method",
            sa.Enum("offline", "online", name="paymentmethod", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "payment_status",
            sa.Enum(
                "unpaid",
                "pending",
                "paid",
                "failed",
                "refunded",
                name="paymentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reservation_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_excl_cents", sa.Integer(), nullable=False),
        sa.Column("total_vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.Column("commission_cents", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_shop_order_pickup_point_id_pickup_point"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territory.id"],
            name=op.f("fk_shop_order_territory_id_territory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_shop_order_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_order")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_shop_order_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_shop_order_reference")),
    )
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shop_order_delivery_date"), ["delivery_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_shop_order_placed_at"), ["placed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_shop_order_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cart_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_seen_cents", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_cart_item_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["cart.id"], name=op.f("fk_cart_item_cart_id_cart"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_cart_item_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_item")),
        sa.UniqueConstraint("cart_id", "product_id", name=op.f("uq_cart_item_cart_id_product_id")),
    )
    op.create_table(
        "merchant_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "placed",
                "paid",
                "accepted",
                "preparing",
                "ready",
                "handed_to_courier",
                "delivered",
                "picked_up",
                "refused",
                "cancelled",
                "delivery_failed",
                "returned",
                name="merchantorderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("total_excl_cents", sa.Integer(), nullable=False),
        sa.Column("total_vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.Column("commission_rate_bp", sa.Integer(), nullable=False),
        sa.Column("commission_cents", sa.Integer(), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_merchant_order_merchant_id_merchant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_order.id"],
            name=op.f("fk_merchant_order_order_id_shop_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_order")),
        sa.UniqueConstraint(
            "order_id", "merchant_id", name=op.f("uq_merchant_order_order_id_merchant_id")
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_merchant_order_reference")),
    )
    with op.batch_alter_table("merchant_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merchant_order_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_merchant_order_status"), ["status"], unique=False)

    op.create_table(
        "product_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("thumb_key", sa.String(length=255), nullable=False),
        sa.Column("alt", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_photo_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_photo")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=False),
        sa.Column("seller_name", sa.String(length=160), nullable=False),
        sa.Column("seller_trade_name", sa.String(length=120), nullable=False),
        sa.Column("seller_address", sa.String(length=300), nullable=False),
        sa.Column("seller_siren", sa.String(length=9), nullable=False),
        sa.Column("seller_siret", sa.String(length=14), nullable=False),
        sa.Column("seller_vat_number", sa.String(length=20), nullable=False),
        sa.Column("vat_mention", sa.String(length=200), nullable=False),
        sa.Column("buyer_name", sa.String(length=120), nullable=False),
        sa.Column("buyer_address", sa.String(length=300), nullable=False),
        sa.Column("order_reference", sa.String(length=40), nullable=False),
        sa.Column("total_excl_cents", sa.Integer(), nullable=False),
        sa.Column("total_vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.Column("payment_terms", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_invoice_merchant_id_merchant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_invoice_merchant_order_id_merchant_order"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("merchant_id", "number", name=op.f("uq_invoice_merchant_id_number")),
        sa.UniqueConstraint("merchant_order_id", name=op.f("uq_invoice_merchant_order_id")),
    )
    op.create_table(
        "merchant_order_vat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("excl_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("incl_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_merchant_order_vat_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_order_vat")),
        sa.UniqueConstraint(
            "merchant_order_id", "rate", name=op.f("uq_merchant_order_vat_merchant_order_id_rate")
        ),
    )
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_name", sa.String(length=140), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "piece",
                "kg",
                "100g",
                "litre",
                "bunch",
                "dozen",
                "jar",
                "bottle",
                "box",
                name="unit",
                native_enum=False,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("sold_by_weight", sa.Boolean(), nullable=False),
        sa.Column("estimated_weight_g", sa.Integer(), nullable=True),
        sa.Column("final_weight_g", sa.Integer(), nullable=True),
        sa.Column("weight_tolerance_pct", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.Column("no_withdrawal", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_order_line_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_order_line_product_id_product"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_line")),
    )
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_line_product_id"), ["product_id"], unique=False)

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "placed",
                "paid",
                "accepted",
                "preparing",
                "ready",
                "handed_to_courier",
                "delivered",
                "picked_up",
                "refused",
                "cancelled",
                "delivery_failed",
                "returned",
                name="merchantorderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "placed",
                "paid",
                "accepted",
                "preparing",
                "ready",
                "handed_to_courier",
                "delivered",
                "picked_up",
                "refused",
                "cancelled",
                "delivery_failed",
                "returned",
                name="merchantorderstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_status_change_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_status_change_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_change")),
    )
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_change_merchant_order_id"), ["merchant_order_id"], unique=False
        )

    op.create_table(
        "stock_reservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "committed",
                "released",
                name="reservationstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_stock_reservation_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_stock_reservation_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservation")),
    )
    with op.batch_alter_table("stock_reservation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_reservation_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_reservation_merchant_order_id"),
            ["merchant_order_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_stock_reservation_status"), ["status"], unique=False)

    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.String(length=30), nullable=False),
        sa.Column("unit_price_excl_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Integer(), nullable=False),
        sa.Column("total_excl_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
            name=op.f("fk_invoice_line_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line")),
    )
    op.create_table(
        "invoice_vat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("excl_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("incl_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoice.id"],
            name=op.f("fk_invoice_vat_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_vat")),
    )

    create_search_index()


def downgrade() -> None:
    drop_search_index()
    op.drop_table("invoice_vat")
    op.drop_table("invoice_line")
    with op.batch_alter_table("stock_reservation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_reservation_status"))
        batch_op.drop_index(batch_op.f("ix_stock_reservation_merchant_order_id"))
        batch_op.drop_index(batch_op.f("ix_stock_reservation_expires_at"))

    op.drop_table("stock_reservation")
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_change_merchant_order_id"))

    op.drop_table("status_change")
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_line_product_id"))

    op.drop_table("order_line")
    op.drop_table("merchant_order_vat")
    op.drop_table("invoice")
    op.drop_table("product_photo")
    with op.batch_alter_table("merchant_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_order_status"))
        batch_op.drop_index(batch_op.f("ix_merchant_order_merchant_id"))

    op.drop_table("merchant_order")
    op.drop_table("cart_item")
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shop_order_user_id"))
        batch_op.drop_index(batch_op.f("ix_shop_order_placed_at"))
        batch_op.drop_index(batch_op.f("ix_shop_order_delivery_date"))

    op.drop_table("shop_order")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_product_category_id"))

    op.drop_table("product")
    op.drop_table("opening_hours")
    op.drop_table("merchant_member")
    op.drop_table("invoice_sequence")
    op.drop_table("cart")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
    op.drop_table("address")
    op.drop_table("user_account")
    op.drop_table("pickup_point")
    op.drop_table("merchant")
    op.drop_table("delivery_slot")
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commune_insee_code"))

    op.drop_table("commune")
    op.drop_table("category")
    op.drop_table("territory")


def create_search_index() -> None:
    """The catalogue search index (see shop_core.catalogue.search)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "DO $$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'cabas_french') THEN "
            "CREATE TEXT SEARCH CONFIGURATION cabas_french (COPY = french); "
            "ALTER TEXT SEARCH CONFIGURATION cabas_french ALTER MAPPING FOR "
            "hword, hword_part, word WITH unaccent, french_stem; "
            "END IF; END $$"
        )
        op.execute(
            "CREATE TABLE product_search ("
            "product_id INTEGER PRIMARY KEY REFERENCES product (id) ON DELETE CASCADE, "
            "territory_id INTEGER NOT NULL, "
            "document TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_product_search_document ON product_search USING GIN (document)")
        op.execute("CREATE INDEX ix_product_search_territory ON product_search (territory_id)")
    else:
        # The rowid is the product id (replacing a product's row is a keyed lookup).
        op.execute(
            "CREATE VIRTUAL TABLE product_search USING fts5("
            "territory_id UNINDEXED, name, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def drop_search_index() -> None:
    op.execute("DROP TABLE IF EXISTS product_search")
