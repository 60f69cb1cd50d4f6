"""End to end: training images per second on the synthetic data on CPU, and what limits it.

    python experiments/bench/end_to_end.py [--sizes 64:64,224:16] [--rounds 3] [overrides...]

At each image size (and batch size), three runs side by side (see harness.py), all with the model
users train by default (assisted, two ResNet-18s):

- real data: the Trainer as users run it (CSV logger, Rich bar) on the synthetic datamodule and its
  workers (`data.num_workers`, 2 by default);
- in memory: the same Trainer and model on batches already in memory, the model's own pace;
- loader alone: the datamodule's training loader iterated without training, the loader's own pace
  (with the CPU to itself, which it does not have during training).

The loader limits training where real data is slower than in memory; the time between steps beyond
the in-memory run's is the time spent waiting for batches.
"""

from __future__ import annotations

import argparse
import statistics

from harness import (
    Window,
    alternate,
    bench_arguments,
    build_datamodule,
    build_module,
    compose_train,
    describe_model,
    fit_steps,
    paired_ratio,
    paired_ratios,
    per_step,
    settings,
    timed_in_memory,
    timed_loader,
)
from report import print_table, ratio_cell, write_json

WAITING_ABOVE = 0.05  # waiting for batches more than this fraction of a step: the loader limits
SLOWER_BELOW = 0.95  # real data under this fraction of the in-memory pace, without waiting: workers take CPU


def main() -> None:
    args = parse_args()
    results = {}
    for image_size, batch_size in args.sizes:
        cfg = compose_train(*overrides(args, image_size, batch_size))
        results[f"{image_size}px"] = measure(cfg, args)
    show(results, args)
    write_json("end_to_end", settings(args, overrides(args, "<size>", "<batch>")), results)


def measure(cfg, args: argparse.Namespace) -> dict:
    module = build_module(cfg)
    build_datamodule(cfg)  # generates the data and writes the split once, outside the timing

    def real_data() -> Window:
        return fit_steps(cfg, module, Window(args.warmup, args.steps), datamodule=build_datamodule(cfg))

    def in_memory() -> Window:
        return timed_in_memory(fit_steps, cfg, module, args.warmup, args.steps)

    def loader_alone() -> Window:
        return timed_loader(build_datamodule(cfg).train_dataloader(), args.warmup, args.loader_batches)

    runs = alternate({"real": real_data, "memory": in_memory, "loader": loader_alone}, rounds=args.rounds)
    return summarise(runs, cfg)


def summarise(runs: dict[str, list[Window]], cfg) -> dict:
    batch, times = cfg.data.batch_size, per_step(runs)
    step_ms = {name: 1000 * statistics.median(t) for name, t in times.items()}
    between_ms = {name: 1000 * statistics.median(w.between_steps / w.steps for w in runs[name]) for name in runs}
    real_over_memory = 1 / paired_ratio(times, "real", "memory")  # throughput, so the inverse of the time ratio
    wait_ms = between_ms["real"] - between_ms["memory"]
    return {
        "setting": f"{cfg.data.image_size} px, batch {batch}",
        "model": describe_model(cfg),
        "num_workers": cfg.data.num_workers,
        "seconds_per_step": times,
        "images_per_second": {name: 1000 * batch / ms for name, ms in step_ms.items()},
        "real_over_in_memory": real_over_memory,
        "real_over_in_memory_per_round": [1 / r for r in paired_ratios(times, "real", "memory")],
        "data_wait_ms_per_step": wait_ms,
        "limited_by": limit(wait_ms / step_ms["real"], real_over_memory),
    }


def limit(wait_fraction: float, real_over_memory: float) -> str:
    if wait_fraction > WAITING_ABOVE:
        return "loader: waiting for batches"
    if real_over_memory < SLOWER_BELOW:
        return "loader: workers take CPU"
    return "model"


def show(results: dict, args: argparse.Namespace) -> None:
    rows = [
        [
            r["setting"],
            *(f"{r['images_per_second'][name]:.1f}" for name in ("real", "memory", "loader")),
            ratio_cell(r["real_over_in_memory_per_round"]),
            f"{r['data_wait_ms_per_step']:.0f}",
            r["limited_by"],
        ]
        for r in results.values()
    ]
    first = next(iter(results.values()))
    print_table(
        f"End to end: training images/s on the synthetic data, {first['model']}, {first['num_workers']} workers, CPU",
        ["size, batch", "real data", "in memory", "loader alone", "real ÷ mem (range)", "wait ms/step", "limited by"],
        rows,
        caption=f"Medians of {args.rounds} alternating rounds of {args.steps} steps ({args.loader_batches} "
        f"batches for the loader) after {args.warmup} warm-up; real ÷ mem: median (and range) of the per-round "
        "ratios of images/s; wait: time between steps beyond the in-memory run's.",
    )


def overrides(args: argparse.Namespace, image_size, batch_size) -> list[str]:
    return ["trainer=cpu", f"data.image_size={image_size}", f"data.batch_size={batch_size}", *args.overrides]


def sizes_and_batches(text: str) -> list[tuple[int, int]]:
    """ "64:64,224:16" -> [(64, 64), (224, 16)]"""
    return [tuple(int(n) for n in pair.split(":")) for pair in text.split(",")]


def parse_args() -> argparse.Namespace:
    parser = bench_arguments(__doc__, rounds=3, steps=3, warmup=1)
    parser.add_argument(
        "--sizes",
        type=sizes_and_batches,
        default="64:64,224:16",
        help="IMAGE_SIZE:BATCH_SIZE,... (default %(default)s)",
    )
    parser.add_argument("--loader-batches", type=int, default=20, help="measured batches of the loader alone")
    return parser.parse_args()


if __name__ == "__main__":
    main()
