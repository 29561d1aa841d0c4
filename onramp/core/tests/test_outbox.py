"""The outbox against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from onramp.core.models import OutboxMessage, OutboxStatus
from onramp.core.outbox import outbox_deliver, outbox_enqueue


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_a_queued_message_is_sent_once_through_smtp(smtp):
    assert outbox_enqueue(key="t:1", recipient="ann@acme.test", subject="Hello", body="Body")
    assert not outbox_enqueue(key="t:1", recipient="ann@acme.test", subject="Hello", body="Body")
    assert outbox_deliver() == 1
    assert outbox_deliver() == 0
    assert len(smtp.messages) == 1
    rcpt, content = smtp.messages[0]
    assert rcpt == ["ann@acme.test"] and "Subject: Hello" in content
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


@pytest.mark.django_db
def test_a_failed_send_stays_pending_for_a_retry(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nobody listens
    outbox_enqueue(key="t:2", recipient="bob@acme.test", subject="Hi", body="x")
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1 and message.last_error
    assert message.send_after > message.created_at


@pytest.fixture
def webhook(settings):
    """A real HTTP server on loopback standing in for a Slack/Teams incoming webhook."""
    import http.server
    import json
    import threading

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    settings.ONRAMP = {**settings.ONRAMP, "CHAT_WEBHOOKS": {"slack": url, "teams": ""}}
    yield received
    server.shutdown()


@pytest.mark.django_db
def test_a_chat_message_is_posted_to_the_configured_webhook(webhook):
    from onramp.core.outbox import chat_channels

    assert chat_channels() == ["slack"]
    outbox_enqueue(
        key="t:3", recipient="slack", subject="Detractor", body="Call Ann", channel="slack"
    )
    outbox_enqueue(key="t:4", recipient="teams", subject="Off", body="x", channel="teams")
    assert outbox_deliver() == 1
    assert webhook == [{"text": "*Detractor*\nCall Ann"}]
    teams = OutboxMessage.objects.get(key="t:4")
    assert teams.status == OutboxStatus.PENDING and "not configured" in teams.last_error
