"""Web benchmark (``make bench-web``): a large territory on PostgreSQL, gunicorn, a load generator.

Not imported by the app. ``python -m reference_app.bench --help`` lists the options; the
figures and how to read them are in ``docs/performance.md``.
"""
