"""The merchant back-office: orders to prepare, products, catalogue import, statistics."""
