"""The `onramp` console command: Django's management commands plus the project's own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onramp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onramp", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
