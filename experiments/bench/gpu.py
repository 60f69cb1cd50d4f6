"""GPU: ResNet-50 training images/s on one GPU, bf16-mixed and channels_last, eager and torch.compile'd:
assisted against emotion_only and against a plain PyTorch loop; and the data pipeline's images/s.

    python experiments/bench/gpu.py            # a GPU machine: under 5 minutes on one H200
    python experiments/bench/gpu.py --smoke    # anywhere: tiny sizes on the CPU, to check that it runs

Lightning runs as users run it (CSV logger, Rich bar), on in-memory batches already on the GPU, so
the figures are the model's and the framework's, not the loader's; the loader is measured alone, with
16 workers. torch.compile compiles each backbone (the networks' shared architecture compiles once,
then comes from the cache); compilation falls in the warm-up steps. See harness.py for the timing.
"""

from __future__ import annotations

import argparse
import statistics
from functools import partial

import torch
from harness import (
    alternate,
    bench_arguments,
    build_datamodule,
    build_module,
    compose_train,
    fit_steps,
    paired_ratio,
    per_step,
    plain_loop,
    settings,
    timed_in_memory,
    timed_loader,
)
from report import print_table, write_json

TRAININGS = {
    "plain": ("plain loop, emotion only", ["model=emotion_only"], plain_loop),
    "emotion_only": ("Lightning, emotion only", ["model=emotion_only"], fit_steps),
    "shared_trunk": (
        "Lightning, assisted, shared trunk",
        ["model=assisted", "model.share_backbone=true", "model.fusion=none"],
        fit_steps,
    ),
    "two_networks": ("Lightning, assisted, two networks", ["model=assisted"], fit_steps),
}
MODES = ("eager", "compiled")
SMOKE = {"image_size": 32, "batch_size": 4, "rounds": 1, "steps": 2, "warmup": 1, "workers": 2, "loader_batches": 3}


def main() -> None:
    args = parse_args()
    if not (torch.cuda.is_available() or args.smoke):
        print("gpu.py: no CUDA device here, skipped (`--smoke` checks that the script runs, on the CPU)")
        return
    configs = {name: compose_train(*overrides(args), *extra) for name, (_, extra, _) in TRAININGS.items()}
    variants = {
        (name, mode): partial(
            timed_in_memory,
            TRAININGS[name][2],
            configs[name],
            prepare(configs[name], mode),
            args.warmup,
            args.steps,
            memory_format=torch.channels_last,
        )
        for mode in MODES
        for name in TRAININGS
    }
    times = per_step(alternate(variants, rounds=args.rounds))
    training = summarise_training(times, configs["plain"].data.batch_size)
    pipeline = measure_pipeline(args)
    show(training, pipeline, args)
    write_json(
        "gpu_smoke" if args.smoke else "gpu",
        settings(args, overrides(args)),
        {"training": training, "data_pipeline": pipeline},
    )


def prepare(cfg, mode: str):
    """The module in channels_last, its backbones compiled in the compiled mode."""
    module = build_module(cfg).to(memory_format=torch.channels_last)
    if mode == "compiled":
        for backbone in module.net.backbones.values():
            backbone.compile()
    return module


def summarise_training(times: dict, batch_size: int) -> dict:
    results = {}
    for name, (label, _, _) in TRAININGS.items():
        for mode in MODES:
            results[f"{name}/{mode}"] = {
                "label": label,
                "images_per_second": batch_size / statistics.median(times[name, mode]),
                "time_ratio_to_plain": paired_ratio(times, (name, mode), ("plain", mode)),
                "time_ratio_to_emotion_only": paired_ratio(times, (name, mode), ("emotion_only", mode)),
            }
    return results


def measure_pipeline(args: argparse.Namespace) -> dict:
    """The training loader alone (decode, augment, collate, pin) with `--workers` workers."""
    datamodule = build_datamodule(compose_train(*overrides(args), f"data.num_workers={args.workers}"))
    window = timed_loader(datamodule.train_dataloader(), args.warmup + 2, args.loader_batches)
    return {"num_workers": args.workers, "images_per_second": args.batch_size / window.seconds_per_step}


def show(training: dict, pipeline: dict, args: argparse.Namespace) -> None:
    rows = []
    for name in TRAININGS:
        row = [TRAININGS[name][0]]
        for mode in MODES:
            r = training[f"{name}/{mode}"]
            row += [f"{r['images_per_second']:.0f}", f"{r['time_ratio_to_plain']:.2f}"]
            row += [f"{r['time_ratio_to_emotion_only']:.2f}"]
        rows.append(row)
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU (smoke test)"
    print_table(
        f"GPU training, {device}: {args.backbone}, {args.image_size} px, batch {args.batch_size}, bf16-mixed, "
        "channels_last",
        ["training", "eager img/s", "× plain", "× emotion", "compiled img/s", "× plain", "× emotion"],
        rows,
        caption=f"Medians of {args.rounds} alternating rounds of {args.steps} steps after {args.warmup} warm-up; "
        "× plain, × emotion: time per step relative to the plain loop and to Lightning emotion_only in the "
        "same mode (median of the per-round ratios).",
    )
    print_table(
        "Data pipeline alone (synthetic data)",
        ["workers", "size, batch", "img/s"],
        [
            [
                str(pipeline["num_workers"]),
                f"{args.image_size} px, {args.batch_size}",
                f"{pipeline['images_per_second']:.0f}",
            ]
        ],
    )


def overrides(args: argparse.Namespace) -> list[str]:
    trainer = ["trainer=cpu", "trainer.precision=bf16-mixed"] if args.smoke else ["trainer=gpu"]
    data = [f"data.image_size={args.image_size}", f"data.batch_size={args.batch_size}"]
    return [*trainer, f"backbone={args.backbone}", *data, *args.overrides]


def parse_args() -> argparse.Namespace:
    parser = bench_arguments(__doc__, rounds=2, steps=20, warmup=5, image_size=224)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--backbone", default="resnet50")
    parser.add_argument("--workers", type=int, default=16, help="data loader workers for the pipeline figure")
    parser.add_argument("--loader-batches", type=int, default=30, help="measured batches of the data pipeline")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes on the CPU: " + str(SMOKE))
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    return args


if __name__ == "__main__":
    main()
