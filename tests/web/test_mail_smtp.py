"""The SMTP mail backend delivers to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from .conftest import World, app_config


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on the loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_password_reset_mail_reaches_a_real_smtp_server_in_french(
    app: Flask, client: FlaskClient, world: World, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    response = client.post("/password/forgot", data={"email": world.shopper_email})
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == world.shopper_email
    assert "mot de passe" in str(
        email.header.make_header(email.header.decode_header(message["Subject"]))
    )
    body = message.get_payload(decode=True).decode("utf-8")
    assert re.search(r"/password/reset/\S+", body)
    assert body.startswith("Bonjour Jeanne Martin")


def test_an_unreachable_smtp_server_does_not_break_the_request(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=1)
    response = client.post("/password/forgot", data={"email": world.shopper_email})
    assert response.status_code == 302


def test_console_backend_prints_the_whole_mail_where_make_run_shows_it(
    db: Any, tmp_path: Any, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default of `make run`: a mail is "sent" by printing it. Logged at INFO, it used
    # to be dropped by Python's default of showing warnings only.
    from reference_app import create_app

    console = create_app(app_config(db, tmp_path, MAIL_BACKEND="console"))
    try:
        response = console.test_client().post(
            "/password/forgot", data={"email": world.shopper_email}
        )
        assert response.status_code == 302
    finally:
        console.extensions["cabas_db"].dispose()
    printed = capsys.readouterr().err
    assert f"E-mail to {world.shopper_email}" in printed
    assert "Bonjour Jeanne Martin" in printed
    assert re.search(r"/password/reset/\S+", printed)
