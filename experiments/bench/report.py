"""What every benchmark prints and keeps: a Rich table, and a JSON file in results/ with the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import lightning
import torch
from rich.console import Console
from rich.table import Table

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# its own console: Lightning's progress bar reconfigures Rich's global one (see harness.offscreen_progress_bar)
console = Console()

BUSY_ABOVE = 0.1  # the share of the machine other jobs may take before the figures move noticeably


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds spent so far by the whole machine (all cores; Linux only, else 0) and by this process
    and its reaped children."""
    own = os.times()
    own_seconds = own.user + own.system + own.children_user + own.children_system
    try:
        fields = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return own_seconds, own_seconds
    busy = sum(fields) - fields[3] - fields[4]  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK"), own_seconds


_STARTED = (time.monotonic(), *_cpu_seconds())


def cores_taken_by_others() -> float:
    """How many cores other jobs kept busy, on average, since this benchmark started: the load average
    cannot tell, since the benchmark's own work (and the previous benchmark's) is in it."""
    started, machine_before, own_before = _STARTED
    machine, own = _cpu_seconds()
    return max(0.0, (machine - machine_before - (own - own_before)) / (time.monotonic() - started))


def machine() -> dict:
    """Where the figures come from, and how busy other jobs kept the shared machine meanwhile."""
    info = {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
        "cores_taken_by_other_jobs": round(cores_taken_by_others(), 2),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.machine())


def ratio_cell(ratios: list[float]) -> str:
    """The median of per-round ratios and their range, which shows how much the machine's load moved them."""
    return f"{statistics.median(ratios):.3f} ({min(ratios):.2f}–{max(ratios):.2f})"


def print_table(title: str, columns: list[str], rows: list[list[str]], caption: str | None = None) -> None:
    """The first column left-aligned (names), the others right-aligned (figures)."""
    table = Table(title=title, caption=caption, caption_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def write_json(name: str, settings: dict, results: dict) -> Path:
    """results/<name>.json: the command, the machine, the settings and every measurement."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "machine": machine()}
    path.write_text(json.dumps({**payload, "settings": settings, "results": results}, indent=2) + "\n")
    console.print(f"[dim]wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}[/dim]")
    if (others := cores_taken_by_others()) > BUSY_ABOVE * (os.cpu_count() or 1):
        console.print(
            f"[yellow]Other jobs kept {others:.1f} of {os.cpu_count()} cores busy meanwhile and moved these "
            "figures: run again when the machine is quiet.[/yellow]"
        )
    return path
