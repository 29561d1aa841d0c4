from __future__ import annotations

from onramp.org.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import people from an HRIS export (CSV or XLSX): create, update, and optionally deactivate."
    kind = "people"
