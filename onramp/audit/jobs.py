"""Background tasks get what requests get: an id on every log line and audit entry (the task
result's id, so a task's lines and changes are found from its row), and "worker" as the source
of the changes they make, whichever process runs them."""

from __future__ import annotations

from typing import Any

from django_tasks.signals import task_finished, task_started

from onramp.audit.context import _source
from onramp.logging import _request_id

_tokens: dict[str, tuple[Any, Any]] = {}


def _started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    _tokens[str(task_result.id)] = (_request_id.set(str(task_result.id)), _source.set("worker"))


def _finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    tokens = _tokens.pop(str(task_result.id), None)
    if tokens is None:
        return
    request_token, source_token = tokens
    try:
        _source.reset(source_token)
        _request_id.reset(request_token)
    except ValueError:  # finished in another context than it started: nothing to undo here
        pass


def connect() -> None:
    task_started.connect(_started, dispatch_uid="onramp.audit.jobs.started")
    task_finished.connect(_finished, dispatch_uid="onramp.audit.jobs.finished")
