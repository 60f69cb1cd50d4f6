"""Deterministic stratified splits, written once as CSV and reused, so every resume sees the same data."""

from __future__ import annotations

import csv
import os
import random
from collections import defaultdict
from pathlib import Path

from emotion.data.sources import Sample

SPLITS = ("train", "val", "test")


def stratified_split(samples: list[Sample], fractions: dict[str, float], seed: int) -> dict[str, list[Sample]]:
    """Split every class by `fractions` (FI protocol: 0.8/0.05/0.15); the same seed gives the same split."""
    total = sum(fractions[s] for s in SPLITS)
    by_class: dict[int, list[Sample]] = defaultdict(list)
    for sample in sorted(samples):
        by_class[sample.emotion].append(sample)
    split: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    for label, members in sorted(by_class.items()):
        random.Random(f"{seed}-{label}").shuffle(members)
        n_train = round(len(members) * fractions["train"] / total)
        n_val = round(len(members) * fractions["val"] / total)
        split["train"] += members[:n_train]
        split["val"] += members[n_train : n_train + n_val]
        split["test"] += members[n_train + n_val :]
    return split


def write_split(path: Path, split: dict[str, list[Sample]], emotions: tuple[str, ...]) -> None:
    """Write atomically: a reader never sees half a split."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with staging.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["split", "emotion", "path"])
        for name, samples in split.items():
            writer.writerows((name, emotions[s.emotion], s.path) for s in samples)
    staging.replace(path)


def read_split(path: Path, emotions: tuple[str, ...]) -> dict[str, list[Sample]]:
    split: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    with Path(path).open(newline="") as f:
        for row in csv.DictReader(f):
            split[row["split"]].append(Sample(row["path"], emotions.index(row["emotion"])))
    return split
