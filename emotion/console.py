"""What a person reads at the end of a run: a Rich table of the results."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_results(results: dict[str, float], title: str) -> None:
    """One row per metric name, one column per stage (val, test)."""
    stages = sorted({key.split("/", 1)[0] for key in results}, key=["train", "val", "test"].index)
    names = sorted({key.split("/", 1)[1] for key in results})
    table = Table(title=title)
    table.add_column("metric")
    for stage in stages:
        table.add_column(stage, justify="right")
    for name in names:
        values = [results.get(f"{stage}/{name}") for stage in stages]
        table.add_row(name, *("" if v is None else f"{v:.4f}" for v in values))
    Console().print(table)
