from __future__ import annotations

from onramp.org.management.commands._importing import ImportCommand


class Command(ImportCommand):
    help = "Import org units (code, name, parent code, kind) from CSV or XLSX: create and update."
    kind = "units"
