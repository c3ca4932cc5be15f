"""How a spreadsheet could read a CSV export, to find cells it would run as formulas.

Spreadsheets pick the list separator from the locale (``,`` in English, ``;`` in German and most
EU locales) or guess it, and some ignore quoting when the separator is not the file's. So a
cell may begin at the start of any line, after any separator, with or without quotes honoured.
"""

from __future__ import annotations

import csv
import io
import re

# What makes a cell a formula when it comes first (OWASP CSV injection; ASVS adds NUL).
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r", "\0")
SEPARATORS = (",", ";", "\t")


def cells(text: str, separator: str) -> list[str]:
    """Every cell of `text` read with `separator`, both honouring quotes and splitting naively."""
    honoured = [
        cell
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        for cell in row
    ]
    naive = re.split(f"[{re.escape(separator)}\r\n]", text)
    return honoured + naive


def formula_cells(text: str) -> list[str]:
    """The cells of `text` that some spreadsheet reading would run as formulas (leading spaces
    and stray double quotes do not stop a formula)."""
    found = []
    for separator in SEPARATORS:
        for cell in cells(text, separator):
            stripped = cell.lstrip(' "')
            if stripped.startswith(FORMULA_STARTERS) and stripped.strip("\r\n\t"):
                found.append(cell)
    return found
