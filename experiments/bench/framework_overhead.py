"""Framework overhead: AssistedEmotionModule under a Lightning Trainer against a plain PyTorch loop doing
the same forward, loss, backward and optimizer step on the same in-memory batches.

    python experiments/bench/framework_overhead.py [--image-size 64] [--rounds 5] [overrides...]

The model defaults to `model=emotion_only` (ResNet-18): the Trainer's cost is a fixed amount per step,
so the cheapest step shows it largest, and the run takes half the time of the assisted model's.

Time per step is measured side by side in one process (see harness.py). Peak memory is each variant's
own: memory freed by one variant stays in the process for the next, so every variant runs again
briefly in a fresh process, which reports its peak RSS (the kernel's VmHWM; getrusage's max RSS would
carry over the parent's peak across fork and exec) and how far training raised it above the RSS
before training (model built, batches in memory). tracemalloc would miss tensors, which torch
allocates outside Python's allocator.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from functools import partial

from harness import (
    alternate,
    bench_arguments,
    build_module,
    compose_train,
    describe,
    fit_steps,
    paired_ratio,
    paired_ratios,
    per_step,
    plain_loop,
    settings,
    timed_in_memory,
)
from report import print_table, ratio_cell, write_json

VARIANTS = {
    "plain": ("plain PyTorch loop", plain_loop),
    "bare": ("Lightning, no logger or bar", partial(fit_steps, logger=False, progress_bar=False)),
    "csv": ("Lightning + CSV logger", partial(fit_steps, logger=True, progress_bar=False)),
    "user": ("Lightning + CSV + Rich bar", partial(fit_steps, logger=True, progress_bar=True)),
}


def main() -> None:
    args = parse_args()
    cfg = compose_train(*overrides(args))
    if args.memory:
        return measure_memory(cfg, args.memory)
    modules = {variant: build_module(cfg) for variant in VARIANTS}
    times = per_step(
        alternate(
            {v: partial(timed_in_memory, VARIANTS[v][1], cfg, modules[v], args.warmup, args.steps) for v in VARIANTS},
            rounds=args.rounds,
        )
    )
    memory = {variant: memory_in_fresh_process(variant, args) for variant in VARIANTS}
    results = summarise(times, memory)
    show(results, cfg, args)
    write_json("framework_overhead", settings(args, overrides(args)), results)


def memory_status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc (Linux)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024  # kB


def measure_memory(cfg, variant: str) -> None:
    """In a fresh process: one variant, briefly; prints its memory as JSON."""
    module = build_module(cfg)
    before = memory_status_mib("VmRSS")
    timed_in_memory(VARIANTS[variant][1], cfg, module, warmup=1, steps=2)
    peak = memory_status_mib("VmHWM")
    print(json.dumps({"peak_rss_mib": peak, "training_mib": peak - before}))


def memory_in_fresh_process(variant: str, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory", variant, "--image-size", str(args.image_size), *args.overrides]
    output = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def summarise(times: dict[str, list[float]], memory: dict[str, dict[str, float]]) -> dict:
    plain = memory["plain"]
    return {
        variant: {
            "label": VARIANTS[variant][0],
            "seconds_per_step": times[variant],
            "median_ms_per_step": 1000 * statistics.median(times[variant]),
            "time_ratio_to_plain": paired_ratio(times, variant, "plain"),
            "time_ratios_per_round": paired_ratios(times, variant, "plain"),
            **memory[variant],
            "peak_rss_ratio_to_plain": memory[variant]["peak_rss_mib"] / plain["peak_rss_mib"],
            "training_memory_ratio_to_plain": memory[variant]["training_mib"] / plain["training_mib"],
        }
        for variant in VARIANTS
    }


def show(results: dict, cfg, args: argparse.Namespace) -> None:
    rows = [
        [
            r["label"],
            f"{r['median_ms_per_step']:.0f}",
            ratio_cell(r["time_ratios_per_round"]),
            f"{r['peak_rss_mib']:.0f}",
            f"{r['peak_rss_ratio_to_plain']:.3f}",
            f"{r['training_mib']:.0f}",
        ]
        for r in results.values()
    ]
    print_table(
        f"Framework overhead: {describe(cfg)}, CPU",
        ["variant", "ms/step", "time × plain (range)", "peak RSS MiB", "× plain", "rise in run MiB"],
        rows,
        caption=f"Time: median of {args.rounds} alternating rounds of {args.steps} steps after {args.warmup} "
        "warm-up; time × plain: median (and range) of the per-round ratios. Memory: a fresh process per "
        "variant, its peak RSS and how far the run (Trainer set-up and training) raised it.",
    )


def overrides(args: argparse.Namespace) -> list[str]:
    return ["trainer=cpu", "model=emotion_only", f"data.image_size={args.image_size}", *args.overrides]


def parse_args() -> argparse.Namespace:
    # 10 steps: a multiple of trainer.log_every_n_steps, so each window holds its share of logger writes
    parser = bench_arguments(__doc__, image_size=64, rounds=5, steps=10, warmup=1)
    parser.add_argument("--memory", choices=VARIANTS, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
