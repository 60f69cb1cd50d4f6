"""emotion-report PATH...: compare runs the way papers do, one row per configuration, mean ± std over seeds.

The swept keys are found, not given: every config key whose value differs between the runs (seed
aside) becomes a column. Works offline from run directories (config.yaml, results.json); with
`--wandb entity/project[/group]` it reads an online wandb project instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from matplotlib.figure import Figure
from omegaconf import OmegaConf
from rich.console import Console
from rich.table import Table

from emotion import plots
from emotion.runs import read_results

METRICS = ("test/emotion_acc", "test/emotion_f1", "test/polarity_acc")
# keys that differ between runs without making them different experiments
NOT_SWEPT = ("seed", "data.seed", "paths.", "data.output_dir", "trainer.default_root_dir", "callbacks.", "logger.",
             "run.", "data.num_workers", "model.backbone.")  # fmt: skip

Run = tuple[dict[str, object], dict[str, float]]  # (flat config, results)
# piped into a file, the table keeps its rows on one line each
console = Console(width=None if sys.stdout.isatty() else 200)


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value) if isinstance(value, list) else value
    return flat


def local_runs(paths: list[Path]) -> list[Run]:
    """Every run directory (config.yaml beside results.json) below the given paths."""
    runs = []
    for path in paths:
        for results in sorted(Path(path).rglob("results.json")):
            config = results.parent / "config.yaml"
            if config.exists():
                runs.append((flatten(OmegaConf.to_container(OmegaConf.load(config))), read_results(results.parent)))
    return runs


def wandb_runs(path: str) -> list[Run]:
    """entity/project or entity/project/group from the wandb API (needs network access and a login)."""
    import wandb

    return [(flatten(dict(run.config)), dict(run.summary)) for run in wandb.Api().runs(*wandb_query(path))]


def wandb_query(path: str) -> tuple[str, dict[str, str]]:
    """entity/project[/group] -> ("entity/project", the filter on the group, if any)."""
    entity_project, _, group = path.rpartition("/") if path.count("/") == 2 else (path, "", "")
    return entity_project, {"group": group} if group else {}


def swept_keys(runs: list[Run]) -> list[str]:
    keys = sorted({key for config, _ in runs for key in config})
    differing = [k for k in keys if len({repr(config.get(k)) for config, _ in runs}) > 1]
    return [k for k in differing if not k.startswith(NOT_SWEPT)]


def summarize(runs: list[Run], keys: list[str], metrics: tuple[str, ...]) -> list[dict]:
    """One row per configuration: its swept values, and each metric's mean, std and number of seeds."""
    groups: dict[tuple, list[dict[str, float]]] = defaultdict(list)
    for config, results in runs:
        groups[tuple(config.get(k) for k in keys)].append(results)
    rows = []
    for values, results in sorted(groups.items(), key=lambda item: repr(item[0])):
        row = {"config": dict(zip(keys, values, strict=True)), "seeds": len(results)}
        for metric in metrics:
            scores = [r[metric] for r in results if metric in r]
            row[metric] = (
                (statistics.mean(scores), statistics.stdev(scores) if len(scores) > 1 else 0.0) if scores else None
            )
        rows.append(row)
    return rows


def cells(row: dict, keys: list[str], metrics: tuple[str, ...]) -> list[str]:
    scores = [f"{row[m][0]:.4f} ± {row[m][1]:.4f}" if row[m] else "" for m in metrics]
    return [*(str(row["config"][k]) for k in keys), str(row["seeds"]), *scores]


def print_table(rows: list[dict], keys: list[str], metrics: tuple[str, ...], markdown: bool = False) -> None:
    """A Rich table, or Markdown to paste into a paper or a README."""
    columns = [*keys, "seeds", *metrics]
    if markdown:
        lines = [columns, ["---"] * len(keys) + ["---:"] * (len(columns) - len(keys))]
        print("\n".join("| " + " | ".join(line) + " |" for line in [*lines, *(cells(r, keys, metrics) for r in rows)]))
        return
    table = Table(title="Runs by configuration (mean ± std over seeds)")
    for column in columns:
        table.add_column(column, justify="left" if column in keys else "right")
    for row in rows:
        table.add_row(*cells(row, keys, metrics))
    console.print(table)


def plot(rows: list[dict], keys: list[str], metrics: tuple[str, ...], out: Path) -> Path:
    """Grouped bars: one group per metric, one bar per configuration, std as error bars."""
    width = 0.8 / max(len(rows), 1)
    figure = Figure(figsize=(max(6.0, 0.9 * len(metrics) * len(rows)), 4.5 + 0.25 * len(rows)))
    axes = figure.subplots()
    for i, row in enumerate(rows):
        label = ", ".join(f"{k}={row['config'][k]}" for k in keys) or "all runs"
        means = [row[m][0] if row[m] else 0 for m in metrics]
        stds = [row[m][1] if row[m] else 0 for m in metrics]
        axes.bar([j + i * width for j in range(len(metrics))], means, width, yerr=stds, capsize=3, label=label)
    axes.set_xticks([j + width * (len(rows) - 1) / 2 for j in range(len(metrics))], metrics)
    axes.set_ylabel("score")
    axes.set_ylim(0, 1)
    axes.set_title("Runs by configuration (mean ± std over seeds)")
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1))
    figure.tight_layout()
    return plots.save(figure, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="run directories, or folders holding them")
    parser.add_argument("--wandb", help="entity/project[/group] to read from wandb instead (online)")
    parser.add_argument("--metrics", nargs="+", default=list(METRICS))
    parser.add_argument("--out", type=Path, default=Path("report.png"), help="where the bar chart goes")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    runs = wandb_runs(args.wandb) if args.wandb else local_runs(args.paths)
    if not runs:
        parser.error(f"no runs (config.yaml and results.json) found in {[str(p) for p in args.paths]}")
    keys, metrics = swept_keys(runs), tuple(args.metrics)
    rows = summarize(runs, keys, metrics)
    print_table(rows, keys, metrics, args.markdown)
    console.print(f"bar chart: {plot(rows, keys, metrics, args.out)}")


if __name__ == "__main__":
    main()
