"""Personal chat delivery (onramp.core.chat) through the outbox, against a real HTTP server on
loopback that answers like Slack's Web API and like a Teams (Power Automate) flow trigger."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from onramp.core.chat import personal_chat_channels
from onramp.core.models import OutboxMessage, OutboxStatus
from onramp.core.outbox import outbox_deliver, outbox_enqueue

TOKEN = "xoxb-test-token"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeChatServer:
    """Answers like Slack under /api/ and like a flow trigger at /flow. `users` maps known
    email addresses to Slack user ids; `scripted[path]` is a list of (status, headers, body)
    answers served first, one per request."""

    users: dict[str, str] = field(default_factory=lambda: {"ann@acme.test": "U0ANN"})
    scripted: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    flow_status: int = 202

    def __post_init__(self) -> None:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode()
                fake.seen.append(
                    Seen(
                        self.command,
                        url.path,
                        dict(urllib.parse.parse_qsl(url.query)),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                status, headers, payload = fake.answer(url.path, fake.seen[-1])
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # noqa: N815 - the http.server API

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, request: Seen) -> tuple[int, dict[str, str], Any]:
        if self.scripted.get(path):
            return self.scripted[path].pop(0)
        if path == "/flow":
            return self.flow_status, {}, b""
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if path == "/api/users.lookupByEmail":
            user = self.users.get(request.query.get("email", "").lower())
            if user is None:
                return 200, {}, {"ok": False, "error": "users_not_found"}
            return 200, {}, {"ok": True, "user": {"id": user}}
        if path == "/api/chat.postMessage":
            return 200, {}, {"ok": True, "channel": "D" + request.body["channel"], "ts": "1.2"}
        return 404, {}, {"ok": False, "error": "unknown_method"}

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def configure(settings, server: FakeChatServer, *, slack: bool = True, teams: bool = True):
    settings.ONRAMP = {
        **settings.ONRAMP,
        "SLACK_BOT_TOKEN": TOKEN if slack else "",
        "SLACK_API_URL": f"{server.base}/api",
        "TEAMS_FLOW_URL": f"{server.base}/flow" if teams else "",
    }


@pytest.fixture
def chat_server(settings):
    server = FakeChatServer()
    configure(settings, server)
    yield server
    server.stop()


LINK = "https://onramp.test/s/abc123/"
BODY = f"Hello Ann,\n\nPlease tell us how it works for you.\n\n{LINK}\n\nThis link is personal.\n"


def test_personal_chat_is_off_until_configured(settings):
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": "", "TEAMS_FLOW_URL": ""}
    assert personal_chat_channels() == []
    settings.ONRAMP = {**settings.ONRAMP, "TEAMS_FLOW_URL": "https://flow.test/x"}
    assert personal_chat_channels() == ["teams_dm"]
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": "xoxb-1"}
    assert personal_chat_channels() == ["slack_dm", "teams_dm"]


@pytest.mark.django_db
def test_a_slack_direct_message_looks_the_person_up_by_email_then_posts_to_their_id(chat_server):
    outbox_enqueue(
        key="c:1", recipient="Ann@acme.test", subject="Pulse <Q4>", body=BODY, channel="slack_dm"
    )
    assert outbox_deliver() == 1
    lookup, post = chat_server.seen
    assert (lookup.path, lookup.query) == ("/api/users.lookupByEmail", {"email": "Ann@acme.test"})
    assert lookup.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.method == "POST" and post.path == "/api/chat.postMessage"
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.body["channel"] == "U0ANN"
    assert post.body["unfurl_links"] is False  # Slack must not fetch the personal link
    assert post.body["text"].startswith("*Pulse &lt;Q4&gt;*\n\nHello Ann,")
    assert LINK in post.body["text"]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 1, "")


@pytest.mark.django_db
def test_a_slack_lookup_is_made_once_per_person_in_a_delivery_run(chat_server):
    for i in range(3):
        outbox_enqueue(
            key=f"c:{i}", recipient="ann@acme.test", subject="S", body=BODY, channel="slack_dm"
        )
    assert outbox_deliver() == 3
    assert len(chat_server.calls("/api/users.lookupByEmail")) == 1
    assert len(chat_server.calls("/api/chat.postMessage")) == 3


@pytest.mark.django_db
def test_an_address_slack_does_not_know_fails_the_message_at_once_with_the_reason(chat_server):
    outbox_enqueue(key="c:1", recipient="zed@acme.test", subject="S", body=BODY, channel="slack_dm")
    outbox_enqueue(key="c:2", recipient="zed@acme.test", subject="T", body=BODY, channel="slack_dm")
    assert outbox_deliver() == 0
    for message in OutboxMessage.objects.all():
        assert message.status == OutboxStatus.FAILED and message.attempts == 1
        assert "No Slack user has the address zed@acme.test" in message.last_error
    assert len(chat_server.calls("/api/users.lookupByEmail")) == 1  # the miss is cached too
    assert not chat_server.calls("/api/chat.postMessage")


@pytest.mark.django_db
def test_a_slack_rate_limit_defers_the_channel_by_retry_after_while_email_still_goes(
    chat_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    chat_server.scripted["/api/chat.postMessage"] = [(429, {"Retry-After": "30"}, {"ok": False})]
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="slack_dm")
    outbox_enqueue(key="c:2", recipient="ann@acme.test", subject="T", body=BODY, channel="slack_dm")
    outbox_enqueue(key="c:3", recipient="ann@acme.test", subject="Mail", body="x")
    before = timezone.now()
    assert outbox_deliver() == 1
    assert [m.subject for m in mail.outbox] == ["Mail"]
    first, second = OutboxMessage.objects.filter(channel="slack_dm").order_by("id")
    assert first.status == OutboxStatus.PENDING and first.attempts == 0
    assert "asked to wait 30 s" in first.last_error
    assert first.send_after >= before + dt.timedelta(seconds=30)
    assert second.status == OutboxStatus.PENDING and second.last_error == ""  # not tried
    assert len(chat_server.calls("/api/chat.postMessage")) == 1
    OutboxMessage.objects.filter(channel="slack_dm").update(send_after=timezone.now())
    assert outbox_deliver() == 2  # the wait is over: both go
    assert len(chat_server.calls("/api/users.lookupByEmail")) == 2  # one per run


@pytest.mark.django_db
def test_a_refused_bot_token_keeps_the_message_for_a_retry_and_names_the_setting(
    chat_server, settings
):
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": "xoxb-wrong"}
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="slack_dm")
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "invalid_auth" in message.last_error and "ONRAMP_SLACK_BOT_TOKEN" in message.last_error
    assert message.send_after > timezone.now() + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_an_unreachable_slack_is_retried_with_the_email_backoff_until_it_fails(chat_server):
    chat_server.stop()
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="slack_dm")
    for attempt in range(1, 6):
        OutboxMessage.objects.update(send_after=timezone.now())
        assert outbox_deliver() == 0
        message = OutboxMessage.objects.get()
        assert message.attempts == attempt and "could not be reached" in message.last_error
    assert message.status == OutboxStatus.FAILED


@pytest.mark.django_db
def test_a_teams_chat_starts_the_flow_with_recipient_subject_text_and_link(chat_server):
    outbox_enqueue(
        key="c:1", recipient="ann@acme.test", subject="Pulse", body=BODY, channel="teams_dm"
    )
    assert outbox_deliver() == 1
    (call,) = chat_server.seen
    assert call.method == "POST" and call.path == "/flow"
    assert call.headers["content-type"] == "application/json"
    assert call.body == {
        "recipient": "ann@acme.test",
        "subject": "Pulse",
        "text": BODY,
        "link": LINK,
    }
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


@pytest.mark.django_db
def test_a_flow_that_refuses_the_request_keeps_the_message_and_says_what_to_check(chat_server):
    chat_server.flow_status = 404
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="teams_dm")
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING
    assert "HTTP 404" in message.last_error and "ONRAMP_TEAMS_FLOW_URL" in message.last_error


@pytest.mark.django_db
def test_a_personal_chat_channel_switched_off_keeps_its_messages_pending(chat_server, settings):
    settings.ONRAMP = {**settings.ONRAMP, "SLACK_BOT_TOKEN": ""}
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="slack_dm")
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and "not configured" in message.last_error
    assert not chat_server.seen


@pytest.mark.django_db
def test_an_address_that_is_not_http_names_the_setting_and_not_the_secret(chat_server, settings):
    settings.ONRAMP = {**settings.ONRAMP, "TEAMS_FLOW_URL": "file:///etc/passwd?sig=secret"}
    outbox_enqueue(key="c:1", recipient="ann@acme.test", subject="S", body=BODY, channel="teams_dm")
    assert outbox_deliver() == 0
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING
    assert "ONRAMP_TEAMS_FLOW_URL is not an http(s) address" in message.last_error
    assert "secret" not in message.last_error
