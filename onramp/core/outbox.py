"""The outbox: every message leaves through one row per recipient and message.

Enqueue with a key that names the message for its recipient ("survey:12:invite:345"): enqueueing
again is a no-op, so a retried task never sends twice. Delivery claims pending rows with
SELECT ... FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway), sends, and marks
each row sent in the same transaction, so a crash before the commit leaves it pending, never lost.

Channels: "email"; "slack" and "teams" post to a chat channel's incoming webhook (the recipient
is the channel's name); "slack_dm" and "teams_dm" reach one person, whose email address is the
recipient, through onramp.core.chat. A permanent chat failure (no such user) fails the message at
once; a rate limit defers it by the time the service asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks import task

from onramp.core.chat import (
    PERSONAL_CHANNELS,
    ChatPermanentError,
    ChatRateLimited,
    ChatSender,
    ChatUnavailable,
)
from onramp.core.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def outbox_enqueue(
    *, key: str, recipient: str, subject: str, body: str, channel: str = "email"
) -> bool:
    """Queue a message; returns False when a message with this key was already queued."""
    try:
        with transaction.atomic():
            OutboxMessage.objects.create(
                key=key[:200],
                channel=channel,
                recipient=recipient,
                subject=subject[:300],
                body=body,
            )
    except IntegrityError:
        return False
    return True


def chat_webhook(channel: str) -> str:
    """The incoming-webhook URL of a chat channel ("slack" or "teams"), or "" when off."""
    return settings.ONRAMP.get("CHAT_WEBHOOKS", {}).get(channel, "")


def chat_channels() -> list[str]:
    """The chat channels configured, in a stable order."""
    return [c for c in ("slack", "teams") if chat_webhook(c)]


def _post_chat(message: OutboxMessage) -> None:
    """Post to a Slack or Teams incoming webhook: both accept {"text": ...}."""
    url = chat_webhook(message.channel)
    if not url:
        raise RuntimeError(f"The {message.channel} webhook is not configured.")
    body = json.dumps({"text": f"*{message.subject}*\n{message.body}"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - an admin-set URL
        if response.status >= 300:
            raise RuntimeError(f"{message.channel} answered HTTP {response.status}")


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST) or not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend")


def outbox_deliver(*, limit: int = 200) -> int:
    """Send up to `limit` pending messages; returns how many were sent."""
    sent = 0
    mail = get_connection()
    chat = ChatSender()  # one per run: Slack user lookups are cached for it
    paused: set[str] = set()  # chat channels that cannot take more messages in this run
    try:
        while sent < limit:
            with transaction.atomic():
                qs = (
                    OutboxMessage.objects.filter(
                        status=OutboxStatus.PENDING, send_after__lte=timezone.now()
                    )
                    .exclude(channel__in=paused)
                    .order_by("id")
                )
                if connection.features.has_select_for_update_skip_locked:
                    qs = qs.select_for_update(skip_locked=True)
                message = qs.first()
                if message is None:
                    break
                try:
                    if message.channel in PERSONAL_CHANNELS:
                        chat.send(
                            channel=message.channel,
                            recipient=message.recipient,
                            subject=message.subject,
                            body=message.body,
                        )
                    elif message.channel != "email":
                        _post_chat(message)
                    else:
                        mail.open()  # a no-op once open
                        EmailMessage(
                            message.subject,
                            message.body,
                            settings.DEFAULT_FROM_EMAIL,
                            [message.recipient],
                            connection=mail,
                        ).send()
                except ChatRateLimited as exc:  # not the message's fault: no attempt counted
                    message.last_error = str(exc)[:2000]
                    message.send_after = timezone.now() + dt.timedelta(seconds=exc.retry_after)
                    message.save(update_fields=["last_error", "send_after"])
                    paused.add(message.channel)
                    log.warning("outbox: %s deferred: %s", message.key, exc)
                    continue
                except Exception as exc:  # any SMTP or socket failure: keep it for a retry
                    message.attempts += 1
                    message.last_error = str(exc)[:2000]
                    if isinstance(exc, ChatPermanentError) or message.attempts >= MAX_ATTEMPTS:
                        message.status = OutboxStatus.FAILED
                    else:
                        message.send_after = timezone.now() + dt.timedelta(
                            minutes=2**message.attempts
                        )
                    message.save(update_fields=["attempts", "last_error", "status", "send_after"])
                    log.warning("outbox: %s failed: %s", message.key, exc)
                    if isinstance(exc, ChatUnavailable):
                        paused.add(message.channel)  # the rest of this channel waits too
                    elif isinstance(exc, OSError):
                        break  # the server is unreachable: try again on the next run
                    continue
                message.status = OutboxStatus.SENT
                message.sent_at = timezone.now()
                message.attempts += 1
                message.save(update_fields=["status", "sent_at", "attempts"])
                sent += 1
    finally:
        mail.close()
    return sent


@task()
def outbox_deliver_task() -> int:
    return outbox_deliver()
