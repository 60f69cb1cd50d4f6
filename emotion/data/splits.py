"""Deterministic splits, written once as CSV and reused, so every resume sees the same data.

Official splits where the dataset has one; k-fold cross-validation where the field reports it
(`data.num_folds`, `data.fold`); otherwise seeded stratified fractions (FI protocol: 0.8/0.05/0.15).
A split without validation images gets them carved from its training images, stratified.
"""

from __future__ import annotations

import csv
import os
import random
from collections import defaultdict
from pathlib import Path

from emotion.data.sources import Sample

SPLITS = ("train", "val", "test")


def _by_class(samples: list[Sample], seed: int) -> list[list[Sample]]:
    """Each class's samples in a seeded order that does not depend on the input order."""
    classes: dict[int, list[Sample]] = defaultdict(list)
    for sample in sorted(samples):
        classes[sample.emotion].append(sample)
    for label, members in classes.items():
        random.Random(f"{seed}-{label}").shuffle(members)
    return [classes[label] for label in sorted(classes)]


def stratified_split(samples: list[Sample], fractions: dict[str, float], seed: int) -> dict[str, list[Sample]]:
    total = sum(fractions[s] for s in SPLITS)
    split: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    for members in _by_class(samples, seed):
        # small classes still get a validation image, or model selection would have nothing to go on
        n_val = round(len(members) * fractions["val"] / total) or int(fractions["val"] > 0 and len(members) > 2)
        n_test = round(len(members) * fractions["test"] / total)
        split["val"] += members[:n_val]
        split["test"] += members[n_val : n_val + n_test]
        split["train"] += members[n_val + n_test :]
    return split


def kfold_split(samples: list[Sample], num_folds: int, fold: int, seed: int) -> dict[str, list[Sample]]:
    """Fold `fold` of a stratified k-fold partition is the test set; the other folds train."""
    if not 0 <= fold < num_folds:
        raise ValueError(f"data.fold={fold}; choose 0..{num_folds - 1} for data.num_folds={num_folds}")
    split: dict[str, list[Sample]] = {"train": [], "val": [], "test": []}
    for members in _by_class(samples, seed):
        for i, sample in enumerate(members):
            split["test" if i % num_folds == fold else "train"].append(sample)
    return split


def carve_validation(split: dict[str, list[Sample]], fractions: dict[str, float], seed: int) -> None:
    """Move a stratified val share of the training images into val, where the split has none."""
    if split["val"]:
        return
    share = {"train": fractions["train"], "val": fractions["val"], "test": 0.0}
    carved = stratified_split(split["train"], share, seed)
    split["train"], split["val"] = carved["train"], carved["val"]


def make_split(
    samples: list[Sample], fractions: dict[str, float], seed: int, num_folds: int | None = None, fold: int = 0
) -> dict[str, list[Sample]]:
    official = {s.split for s in samples}
    if official - {None} and None in official:
        raise ValueError("Some samples have an official split and some do not; give every row a split or none")
    if None not in official:
        unknown = official - set(SPLITS)
        if unknown:
            raise ValueError(f"Unknown split name(s) {sorted(unknown)}; expected {list(SPLITS)}")
        split = {name: [s for s in samples if s.split == name] for name in SPLITS}
    elif num_folds:
        split = kfold_split(samples, num_folds, fold, seed)
    else:
        return stratified_split(samples, fractions, seed)
    carve_validation(split, fractions, seed)
    return split


def check_disjoint(split: dict[str, list[Sample]]) -> None:
    seen: dict[str, str] = {}
    for name, samples in split.items():
        for sample in samples:
            if seen.setdefault(sample.path, name) != name:
                raise ValueError(f"{sample.path} is in both the {seen[sample.path]} and the {name} split")


def write_split(path: Path, split: dict[str, list[Sample]], emotions: tuple[str, ...]) -> None:
    """Write atomically: a reader never sees half a split."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with staging.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["split", "emotion", "path", "distribution"])
        for name, samples in split.items():
            for s in samples:
                distribution = " ".join(f"{p:.6g}" for p in s.distribution) if s.distribution else ""
                writer.writerow([name, emotions[s.emotion], s.path, distribution])
    staging.replace(path)


def read_split(path: Path, emotions: tuple[str, ...]) -> dict[str, list[Sample]]:
    split: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    with Path(path).open(newline="") as f:
        for row in csv.DictReader(f):
            distribution = tuple(map(float, row["distribution"].split())) if row.get("distribution") else None
            split[row["split"]].append(Sample(row["path"], emotions.index(row["emotion"]), row["split"], distribution))
    return split
