"""Personal chat messages: a direct message to one person on Slack, or a Teams chat.

Both reach a person by their email address, the one identifier Onramp holds for everyone:

- Slack: a bot token (`ONRAMP_SLACK_BOT_TOKEN`, scopes `users:read.email` and `chat:write`).
  `users.lookupByEmail` gives the person's user id; `chat.postMessage` with that id as the
  channel opens the bot's direct message with them.
- Microsoft Teams: a Power Automate ("Workflows") flow started by an HTTP request
  (`ONRAMP_TEAMS_FLOW_URL`) that posts the message in a chat with the person as the Flow bot.
  Teams has no call for an app without a bot registration to message one person; the flow is
  Microsoft's supported way (docs/surveys.md says how to build it).

Both are off until configured. The outbox (onramp.core.outbox) sends through one `ChatSender`
per delivery run, so a Slack lookup is made once per person and run. Failures say whether
retrying can help: `ChatPermanentError` (this person can never get it) fails the message at
once; `ChatUnavailable` (the service is unreachable, refuses the token, or asks to wait) keeps it
for a retry and skips the channel for the rest of the run.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

SLACK_DM = "slack_dm"
TEAMS_DM = "teams_dm"
PERSONAL_CHANNELS = (SLACK_DM, TEAMS_DM)
TIMEOUT = 10

# Slack errors that are about the recipient: no retry will change them.
_SLACK_RECIPIENT_ERRORS = {
    "users_not_found": "no Slack user has the address {email}",
    "user_not_found": "no Slack user has the address {email}",
    "user_disabled": "the Slack account of {email} is deactivated",
    "cannot_dm_bot": "{email} is a Slack bot, which cannot receive direct messages",
}
# Slack errors about the bot token: every message would fail the same way until it is fixed.
_SLACK_TOKEN_ERRORS = {
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
    "ekm_access_denied",
}
_LINK = re.compile(r"https?://\S+")


class ChatError(Exception):
    """A chat send that failed but may work later: the outbox retries it with its backoff."""


class ChatPermanentError(ChatError):
    """This message can never reach this person (no such user...): fail it at once."""


class ChatUnavailable(ChatError):
    """The chat service cannot take messages now (unreachable, token refused, not configured):
    retry later, and send nothing more on this channel in this run."""


class SlackApiError(ChatError):
    """Slack answered {"ok": false, "error": code} with a code not handled in place."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ChatRateLimited(ChatUnavailable):
    """The service asked to wait `retry_after` seconds (HTTP 429 and its Retry-After)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def slack_bot_token() -> str:
    return settings.ONRAMP.get("SLACK_BOT_TOKEN", "")


def slack_api_url() -> str:
    return (settings.ONRAMP.get("SLACK_API_URL") or "https://slack.com/api").rstrip("/")


def teams_flow_url() -> str:
    return settings.ONRAMP.get("TEAMS_FLOW_URL", "")


def personal_chat_channels() -> list[str]:
    """The personal chat channels configured, in a stable order: "slack_dm", "teams_dm"."""
    configured = {SLACK_DM: bool(slack_bot_token()), TEAMS_DM: bool(teams_flow_url())}
    return [channel for channel, on in configured.items() if on]


def message_link(body: str) -> str:
    """The first web address in a message body (a survey's personal link), or ""."""
    found = _LINK.search(body)
    return found.group(0) if found else ""


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (links, mentions): a title holding them must not.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _retry_after(headers: Any) -> int:
    raw = (headers.get("Retry-After") or "").strip() if headers else ""
    return max(1, min(int(raw), 3600)) if raw.isdigit() else 60


def _http(
    url: str, *, data: bytes | None = None, headers: dict[str, str], service: str, setting: str
) -> tuple[int, bytes]:
    """One HTTP request; returns (status, body) for any answer, raises ChatUnavailable when the
    service cannot be reached or asks to wait. Messages never repeat the URL: a flow's address
    carries its signature."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ChatUnavailable(f"{setting} is not an http(s) address: fix it.")
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        # An admin-set URL (settings), never one from a user.
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429:
            seconds = _retry_after(exc.headers)
            raise ChatRateLimited(
                f"{service} is rate-limiting: asked to wait {seconds} s; will retry then.",
                retry_after=seconds,
            ) from None
        return exc.code, exc.read()
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        reason = getattr(exc, "reason", exc)
        raise ChatUnavailable(f"{service} could not be reached: {reason}.") from None


class SlackClient:
    """Slack's Web API with a bot token; user ids are looked up once per client."""

    def __init__(self, *, token: str, api_url: str) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self._user_ids: dict[str, str | ChatPermanentError] = {}

    def _call(self, method: str, *, params: dict[str, str] | None = None, payload=None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.api_url}/{method}"
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        elif params:
            url += "?" + urllib.parse.urlencode(params)
        status, body = _http(
            url, data=data, headers=headers, service="Slack", setting="ONRAMP_SLACK_API_URL"
        )
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if status >= 500 or not isinstance(answer, dict) or "ok" not in answer:
            raise ChatUnavailable(f"Slack answered HTTP {status} to {method}; will retry.")
        if answer["ok"]:
            return answer
        error = str(answer.get("error", "unknown_error"))
        if error == "ratelimited":
            raise ChatRateLimited("Slack is rate-limiting: will retry in 60 s.", retry_after=60)
        if error in _SLACK_TOKEN_ERRORS:
            raise ChatUnavailable(
                f"Slack refused the bot token ({error}): check ONRAMP_SLACK_BOT_TOKEN and the "
                "app's scopes (users:read.email, chat:write)."
            )
        raise SlackApiError(f"Slack answered {error} to {method}; will retry.", code=error)

    def user_id(self, email: str) -> str:
        key = email.strip().lower()
        known = self._user_ids.get(key)
        if isinstance(known, ChatPermanentError):
            raise known
        if known:
            return known
        try:
            answer = self._call("users.lookupByEmail", params={"email": email.strip()})
        except SlackApiError as exc:
            if exc.code in _SLACK_RECIPIENT_ERRORS:
                reason = _SLACK_RECIPIENT_ERRORS[exc.code].format(email=email)
                failure = ChatPermanentError(
                    f"{reason[0].upper()}{reason[1:]} (Slack: {exc.code}): correct the address "
                    "in Onramp, or reach them by email."
                )
                self._user_ids[key] = failure
                raise failure from None
            raise
        user_id = str(answer.get("user", {}).get("id", ""))
        if not user_id:
            raise ChatError("Slack found the user but gave no id; will retry.")
        self._user_ids[key] = user_id
        return user_id

    def post_direct(self, *, email: str, text: str) -> None:
        user_id = self.user_id(email)
        try:
            self._call(
                "chat.postMessage",
                payload={
                    "channel": user_id,
                    "text": text,
                    # no link preview: Slack would fetch the personal link itself
                    "unfurl_links": False,
                    "unfurl_media": False,
                },
            )
        except SlackApiError as exc:
            if exc.code in _SLACK_RECIPIENT_ERRORS or exc.code in (
                "channel_not_found",
                "is_archived",
            ):
                raise ChatPermanentError(
                    f"Slack would not deliver a direct message to {email} ({exc.code}): "
                    "reach them by email."
                ) from None
            raise


def slack_text(*, subject: str, body: str, link: str) -> str:
    text = f"*{_slack_escape(subject)}*\n\n{_slack_escape(body.strip())}"
    if link and link not in body:
        text += f"\n\n{link}"
    return text


def teams_flow_post(*, url: str, recipient: str, subject: str, text: str, link: str) -> None:
    """Start the Teams flow for one recipient. The flow's trigger answers 202 once it accepted
    the run; whether Teams then delivered shows in the flow's run history."""
    payload = {"recipient": recipient, "subject": subject, "text": text, "link": link}
    status, _ = _http(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        service="The Teams flow",
        setting="ONRAMP_TEAMS_FLOW_URL",
    )
    if status >= 500:
        raise ChatUnavailable(f"The Teams flow answered HTTP {status}; will retry.")
    if status >= 300:
        raise ChatUnavailable(
            f"The Teams flow refused the message (HTTP {status}): check ONRAMP_TEAMS_FLOW_URL "
            "(the flow may be off, or its address changed)."
        )


class ChatSender:
    """Sends personal chat messages for one delivery run (Slack lookups are cached for it)."""

    def __init__(self) -> None:
        self._slack: SlackClient | None = None

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        link = message_link(body)
        if channel == SLACK_DM:
            token = slack_bot_token()
            if not token:
                raise ChatUnavailable(
                    "Slack direct messages are not configured: set ONRAMP_SLACK_BOT_TOKEN."
                )
            if self._slack is None or self._slack.token != token:
                self._slack = SlackClient(token=token, api_url=slack_api_url())
            self._slack.post_direct(
                email=recipient, text=slack_text(subject=subject, body=body, link=link)
            )
        elif channel == TEAMS_DM:
            url = teams_flow_url()
            if not url:
                raise ChatUnavailable(
                    "Teams chat messages are not configured: set ONRAMP_TEAMS_FLOW_URL."
                )
            teams_flow_post(url=url, recipient=recipient, subject=subject, text=body, link=link)
        else:
            raise ChatPermanentError(f"{channel!r} is not a personal chat channel.")
