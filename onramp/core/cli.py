"""What the `onramp` commands share: a progress bar on stderr for long work."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class Steps:
    """Reports steps to a progress bar: `steps(name, done, total)` shows (or moves) the bar of
    the step `name` (total None: not known yet); `stop()` ends the display before an error is
    printed. Does nothing when the bar is not shown."""

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar
        self._tasks: dict[str, Any] = {}

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if self._bar is None:
            return
        if step not in self._tasks:
            self._tasks[step] = self._bar.add_task(step.capitalize() + "…", total=total)
        self._bar.update(self._tasks[step], completed=done, total=total)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@contextlib.contextmanager
def progress_bar(shown: bool, *, width: int = 22) -> Iterator[Steps]:
    """A progress bar on stderr, one line per step, its label `width` characters wide. With
    -v0 (`shown` false) nothing, and rich is not even imported (a tenth of a second of a
    scripted command's start)."""
    if not shown:
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn(f"{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        yield Steps(bar)
