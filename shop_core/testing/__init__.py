"""Helpers for the tests of applications built on shop_core."""
