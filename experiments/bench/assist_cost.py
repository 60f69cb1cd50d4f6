"""Cost of assistance: time per training step of the assisted models relative to emotion_only.

    python experiments/bench/assist_cost.py [--image-size 64] [--rounds 5] [overrides...]

Each model trains under the Lightning Trainer without logger or progress bar (their fixed cost per
step is framework_overhead.py's subject), so a step is the module's own: forward, assisted loss,
backward, optimizer step and its metrics. Same in-memory batches, side by side (see harness.py).
"""

from __future__ import annotations

import argparse
import statistics
from functools import partial

from harness import (
    alternate,
    bench_arguments,
    build_module,
    compose_train,
    fit_steps,
    paired_ratio,
    paired_ratios,
    per_step,
    settings,
    timed_in_memory,
)
from report import print_table, ratio_cell, write_json

MODELS = {
    "emotion_only": ("emotion only (the baseline)", ["model=emotion_only"]),
    "shared_trunk": ("assisted, shared trunk", ["model=assisted", "model.share_backbone=true", "model.fusion=none"]),
    "two_networks": ("assisted, two networks (default)", ["model=assisted"]),
}

bare_fit = partial(fit_steps, logger=False, progress_bar=False)


def main() -> None:
    args = bench_arguments(__doc__, image_size=64, rounds=5, steps=8, warmup=1).parse_args()
    configs = {name: compose_train(*overrides(args), *extra) for name, (_, extra) in MODELS.items()}
    modules = {name: build_module(cfg) for name, cfg in configs.items()}
    runs = {
        name: partial(timed_in_memory, bare_fit, configs[name], modules[name], args.warmup, args.steps)
        for name in MODELS
    }
    results = summarise(per_step(alternate(runs, rounds=args.rounds)), modules)
    show(results, configs["emotion_only"], args)
    write_json("assist_cost", settings(args, overrides(args)), results)


def summarise(times: dict[str, list[float]], modules: dict) -> dict:
    return {
        name: {
            "label": MODELS[name][0],
            "overrides": MODELS[name][1],
            "parameters_millions": sum(p.numel() for p in modules[name].parameters()) / 1e6,
            "seconds_per_step": times[name],
            "median_ms_per_step": 1000 * statistics.median(times[name]),
            "ratio_to_emotion_only": paired_ratio(times, name, "emotion_only"),
            "ratios_per_round": paired_ratios(times, name, "emotion_only"),
        }
        for name in MODELS
    }


def show(results: dict, cfg, args: argparse.Namespace) -> None:
    rows = [
        [
            r["label"],
            f"{r['parameters_millions']:.1f}",
            f"{r['median_ms_per_step']:.0f}",
            ratio_cell(r["ratios_per_round"]),
        ]
        for r in results.values()
    ]
    print_table(
        f"Cost of assistance: {cfg.backbone.name}, {cfg.data.image_size} px, batch {cfg.data.batch_size}, CPU",
        ["model", "params M", "ms/step", "time × emotion_only (range)"],
        rows,
        caption=f"Median of {args.rounds} alternating rounds of {args.steps} steps after {args.warmup} warm-up, "
        "Lightning without logger or bar; × emotion_only: median (and range) of the per-round ratios.",
    )


def overrides(args: argparse.Namespace) -> list[str]:
    return ["trainer=cpu", f"data.image_size={args.image_size}", *args.overrides]


if __name__ == "__main__":
    main()
