"""The shop's Celery worker: ``celery -A reference_app.worker worker --pool solo``.

Add ``-Q cabas.long`` for a worker of plannings only, ``-Q cabas`` for the other jobs
(``reference_app.jobs``).

It builds the app from the same ``CABAS_*`` settings as the web workers
(``CABAS_JOBS=celery``, ``CABAS_CELERY_BROKER_URL``, ``CABAS_DATABASE_URL``,
``CABAS_SECRET_KEY``, …) and runs the jobs they submit (see ``reference_app.jobs``).
Unlike the package, this module builds an app when imported: it is Celery's entry point.
"""

from __future__ import annotations

from reference_app import create_app
from reference_app.jobs import celery_app

# Not named `app`: Celery's `-A` looks for that name first and must find the Celery app.
flask_app = create_app()
celery = celery_app(flask_app)
