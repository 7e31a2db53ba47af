"""What gunicorn serves during the benchmark: the reference shop, and a bare Flask app.

``/_bare/`` is a Flask app with one view returning "ok": no database, no session, no
template. Served by the same workers in the same run, it is the ceiling the machine allows,
and every figure of the shop is reported as a ratio to it.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from reference_app import create_app

bare = Flask("bare")


@bare.get("/")
def ok() -> str:
    return "ok"


def create() -> Flask:
    """The app gunicorn serves (``reference_app.bench.wsgi:create()``): created when called,
    so that importing this module reads no configuration and connects nowhere."""
    app = create_app()
    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {"/_bare": bare.wsgi_app}
    )
    return app
