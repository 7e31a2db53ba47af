"""Sending e-mail through a configurable backend: console, SMTP, or memory (tests)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from reference_app.logs import StderrHandler

log = logging.getLogger("cabas.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def init_app(app: Flask) -> None:
    app.extensions["cabas_outbox"] = []
    if app.config["MAIL_BACKEND"] == "console":
        _print_to_console()


def _print_to_console() -> None:
    # The console backend "sends" a mail by logging it at INFO; without a handler of its
    # own Python would show WARNING and above only, so `make run` printed no mail at all
    # (the shopper's delivery code among them). Added once per process.
    # Printed bare, by its own handler only (not a second time by the app's log handler).
    if not any(isinstance(h, StderrHandler) for h in log.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def outbox() -> list[Mail]:
    """Messages sent with the memory backend (used by tests)."""
    box: list[Mail] = current_app.extensions["cabas_outbox"]
    return box


def language_of(locale: str | None) -> str:
    """The language to write to someone who reads `locale`: theirs if the shop speaks it."""
    languages: list[str] = current_app.config["LANGUAGES"]
    return locale if locale in languages else "fr"


def send(
    to: str, subject: str | LazyString, template: str, *, locale: str = "fr", **context: object
) -> None:
    """Render ``mail/<template>.txt`` and send it; a failure is logged, never raised.

    In another language than French, ``mail/<locale>/<template>.txt`` is rendered if there
    is one (the e-mails to shoppers), with dates and amounts in that language; the caller
    writes the subject in it, or gives it lazily (``lazy_gettext``) to be written here. A
    shopper's order must not fail because a mail server is down.
    """
    names = [f"mail/{template}.txt"]
    if locale != "fr":
        names.insert(0, f"mail/{locale}/{template}.txt")
    with force_locale(locale):
        body = render_template(names, **context)
        message = Mail(to=to, subject=str(subject), body=body)
    backend = current_app.config["MAIL_BACKEND"]
    try:
        if backend == "memory":
            outbox().append(message)
        elif backend == "smtp":
            _send_smtp(message)
        else:
            log.info("--- E-mail to %s — %s\n%s\n---", to, subject, body)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send e-mail to %s", to)


def _send_smtp(message: Mail) -> None:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]), timeout=10) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"] or "")
        smtp.send_message(email)
