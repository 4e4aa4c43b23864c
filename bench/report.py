"""The bench's report: one table of figures, each beside the ceiling it is judged against."""

import time
from dataclasses import dataclass


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass
class Figure:
    """One line of the report: a figure, the ceiling it is judged against, and the verdict."""

    label: str
    result: str
    ceiling: str = ""
    ratio: str = ""
    goal: str = ""
    verdict: str = ""
    note: str = ""


def print_figures(figures: list[Figure]) -> None:
    columns = ("Figure", "Result", "Ceiling", "Ratio", "Goal", "Verdict")
    rows = [columns] + [(f.label, f.result, f.ceiling, f.ratio, f.goal, f.verdict) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    print(f"\n=== make bench — {time.strftime('%Y-%m-%d %H:%M:%S')} ===")
    for row in rows:
        print(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    for figure in figures:
        if figure.note:
            print(f"- {figure.label.strip()}: {figure.note}")
