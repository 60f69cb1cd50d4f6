"""Data pipeline throughput: images per second through the training and evaluation transforms at 224 px
on photo-sized JPEGs (1024x768, quality 90), side by side in one run:

    (a) torchvision's ImageFolder + PIL + RandomResizedCrop, the textbook pipeline, on the originals
    (b) the project's pipeline (emotion.data) on the originals: JPEG decoded at reduced DCT scale
    (c) the project's pipeline on the prepared copy (emotion-prepare, short side 256)

    python experiments/bench/data_throughput.py [--images 1000] [--rounds 3] [--measure 150]

One process (per core) and, for the training transforms, a DataLoader with 2 workers. Every variant
produces the same (3, 224, 224) float tensors with the same crop parameters. Times are seconds per
image over `--measure` images after a warm-up, alternating variants over rounds (harness.alternate).
"""

from __future__ import annotations

import argparse
import itertools
from functools import partial
from pathlib import Path

import numpy as np
import torch
from harness import Window, alternate, paired_ratio
from PIL import Image, ImageFilter
from report import print_table, write_json
from rich.progress import track
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision import transforms as T

from emotion.data.datamodule import IMAGENET_MEAN, IMAGENET_STD, EmotionImages
from emotion.data.prepare import prepare_images
from emotion.data.sources import read_class_folders
from emotion.data.transforms import eval_transform, train_transform
from emotion.taxonomy import MIKELS

SIZE = 224
CROP_SCALE = (0.08, 1.0)  # torchvision's default, used by every variant
CACHE = Path.home() / ".cache" / "emotion" / "bench-photos"


def photo(rng: np.random.Generator) -> Image.Image:
    """A photo-like 1024x768 picture: smooth colour fields, edges and grain, which JPEG compresses as it does photos."""
    small = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC)
    grain = rng.normal(0, 12, (768, 1024, 3))
    image = Image.fromarray((np.asarray(image, dtype=np.float32) + grain).clip(0, 255).astype(np.uint8))
    return image.filter(ImageFilter.DETAIL)


def ensure_photos(count: int) -> tuple[Path, Path]:
    """The originals in FI layout, and their prepared copy; made once and cached."""
    root, prepared = CACHE / f"originals-{count}", CACHE / f"prepared-{count}"
    if not (root / ".complete").exists():
        rng = np.random.default_rng(0)
        for i in track(range(count), description="Writing photo-sized JPEGs"):
            path = root / MIKELS.emotions[i % 8] / f"{i:05d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            photo(rng).save(path, quality=90)
        (root / ".complete").touch()
    if not (prepared / ".complete").exists():
        prepare_images(root, prepared, [s.path for s in read_class_folders(root, MIKELS)], short_side=256)
    return root, prepared


def textbook(root: Path, train: bool) -> datasets.ImageFolder:
    """(a): the ImageNet example's pipeline."""
    crop = [T.RandomResizedCrop(SIZE, scale=CROP_SCALE), T.RandomHorizontalFlip()] if train else [
        T.Resize(256), T.CenterCrop(SIZE)]  # fmt: skip
    return datasets.ImageFolder(root, T.Compose([*crop, T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]))


def project(root: Path, train: bool) -> EmotionImages:
    """(b) and (c): the datamodule's dataset with its transforms."""
    transform = (train_transform(SIZE, IMAGENET_MEAN, IMAGENET_STD, CROP_SCALE) if train
                 else eval_transform(SIZE, IMAGENET_MEAN, IMAGENET_STD))  # fmt: skip
    samples = read_class_folders(root, MIKELS)
    return EmotionImages(root, samples, MIKELS.polarity_of.tolist(), transform, SIZE)


def seconds_per_image(dataset, warmup: int, measure: int, workers: int) -> float:
    """Through a DataLoader (batch 1, shuffled) so that workers, when asked for, decode in parallel."""
    loader = DataLoader(dataset, batch_size=1, shuffle=True, num_workers=workers,
                        generator=torch.Generator().manual_seed(0))  # fmt: skip
    window = Window(warmup, measure)
    for step, item in enumerate(itertools.islice(itertools.cycle(loader), window.total_steps)):
        window.step_started(step)
        image = item[0] if isinstance(item, list) else item["image"]
        assert image.shape == (1, 3, SIZE, SIZE)
        window.step_ended()
    window.step_started(window.total_steps)
    return window.seconds_per_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", type=int, default=150, help="images timed per variant and round")
    args = parser.parse_args()
    torch.set_num_threads(1)  # per core: one thread in the main process, as in each loader worker
    originals, prepared = ensure_photos(args.images)
    pipelines = {"(a) ImageFolder": (textbook, originals), "(b) emotion": (project, originals),
                 "(c) emotion, prepared": (project, prepared)}  # fmt: skip
    settings = [("train", True, 0), ("eval", False, 0), ("train, 2 workers", True, 2)]
    results, rows = {}, []
    for label, train, workers in settings:
        variants = {
            name: partial(seconds_per_image, build(root, train), 10, args.measure, workers)
            for name, (build, root) in pipelines.items()
        }
        times = alternate(variants, args.rounds)
        speedups = {name: 1 / paired_ratio(times, name, "(a) ImageFolder") for name in pipelines}
        results[label] = {name: {"images_per_second": 1 / float(np.median(t)), "speedup_over_a": speedups[name]}
                          for name, t in times.items()}  # fmt: skip
        rows += [[label, name, f"{1 / np.median(t):.1f}", f"{speedups[name]:.2f}x"] for name, t in times.items()]
    print_table(f"Data pipeline at {SIZE} px on {args.images} photo-sized JPEGs (1024x768, q90)",
                ["transforms", "pipeline", "images/s", "vs (a)"], rows,
                caption="per core: one process; (b)/(a) target >= 1.3x, (c)/(a) >= 3x")  # fmt: skip
    write_json("data_throughput", vars(args), results)


if __name__ == "__main__":
    main()
