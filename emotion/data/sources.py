"""Readers that turn a dataset as distributed into samples: (path relative to the root, emotion index)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from emotion.data.images import IMAGE_EXTENSIONS, is_image_file
from emotion.data.synthetic import ensure_synthetic
from emotion.taxonomy import Taxonomy


class Sample(NamedTuple):
    path: str  # relative to the dataset root, so a moved copy keeps its split
    emotion: int


def check_root(root: Path) -> Path:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"data.root '{root}' is not a directory (set data.root=<dataset dir>)")
    return root


def read_class_folders(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    """FI layout: one folder per emotion (any case), images of any common format inside."""
    root = check_root(root)
    folders = {d.name.lower(): d for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")}
    unknown = sorted(set(folders) - set(taxonomy.emotions))
    if unknown:
        raise ValueError(
            f"{root}: unknown class folder(s) {unknown}; expected folders named {list(taxonomy.emotions)} (any case)"
        )
    samples = []
    for label, emotion in enumerate(taxonomy.emotions):
        folder = folders.get(emotion, root / emotion)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and is_image_file(p)) if folder.is_dir() else []
        if not files:
            raise ValueError(f"{folder}: class '{emotion}' has no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
        samples += [Sample(p.relative_to(root).as_posix(), label) for p in files]
    return samples


def read_synthetic(root: Path, taxonomy: Taxonomy) -> list[Sample]:
    return read_class_folders(ensure_synthetic(root, taxonomy), taxonomy)


SOURCES: dict[str, Callable[[Path, Taxonomy], list[Sample]]] = {
    "fi": read_class_folders,
    "synthetic": read_synthetic,
}


def read_samples(source: str, root: Path, taxonomy: Taxonomy) -> list[Sample]:
    if source not in SOURCES:
        raise ValueError(f"Unknown data source '{source}'; choose one of {sorted(SOURCES)}")
    return SOURCES[source](root, taxonomy)
