"""The JSON API (``/api/v1``): catalogue, basket, checkout and orders for apps.

Bearer tokens (``POST /api/v1/token``) instead of cookies, so the blueprint is exempt from
CSRF. Errors are JSON ``{"error": {"code", "message", "field"}}`` with a stable ``code`` and a
French message. The OpenAPI 3.1 description is served at ``/api/v1/openapi.json``.
"""
