from __future__ import annotations

from onramp.org.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import portfolio projects (code, name, unit, manager, status, dates) from CSV or XLSX."
    kind = "projects"
