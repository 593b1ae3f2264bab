"""The CSV writer behind every export: a cell a spreadsheet would run as a formula is written
as text (OWASP's CSV injection advice), and nothing else changes."""

from __future__ import annotations

import csv
import io

import pytest

from bot.reports.export import COLUMNS, write_csv


def row(**cells: object) -> dict[str, object]:
    return {**dict.fromkeys(COLUMNS, ""), "shared": False, **cells}


def written(**cells: object) -> dict[str, str]:
    out = io.StringIO()
    write_csv([row(**cells)], out)
    (line,) = csv.DictReader(io.StringIO(out.getvalue()))
    return line


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_that_starts_like_a_formula_is_written_as_text(cell: str) -> None:
    line = written(note=cell, barrier=cell, leader=cell, team=cell)
    assert (line["note"], line["barrier"], line["leader"], line["team"]) == (f"'{cell}",) * 4


@pytest.mark.parametrize("cell", ["Thanked Jo = a win", "2026-11-02T12:00:00+00:00", "", "'a"])
def test_other_cells_are_written_as_they_are(cell: str) -> None:
    line = written(note=cell, recorded_at=cell)
    assert (line["note"], line["recorded_at"]) == (cell, cell)
