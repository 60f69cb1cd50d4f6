"""Prepared copies: every image resized once (short side 256 by default), so training decodes small JPEGs.

The copy mirrors the dataset's tree (same relative paths, so splits and annotations stay valid); its
files are JPEG whatever their name says, which PIL reads by content.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from rich.progress import track

from emotion.data.images import BadImageError, load_image

COMPLETE = ".complete"


def prepared_root(prepared_dir: Path, root: Path) -> Path:
    """Where the prepared copy of the dataset at `root` lives: one folder per dataset copy."""
    resolved = str(Path(root).expanduser().resolve())
    return Path(prepared_dir).expanduser() / f"{Path(resolved).name}-{hashlib.sha1(resolved.encode()).hexdigest()[:10]}"


def _is_jpeg(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(3) == b"\xff\xd8\xff"


def prepare_images(root: Path, target: Path, paths: list[str], short_side: int = 256) -> dict[str, str]:
    """Write resized copies of `paths` (relative to root) under target; skips those already up to date.

    Returns the files that could not be read, with why; they stay out of the copy.
    """

    def prepare(path: str) -> tuple[str, str | None]:
        source, copy = root / path, target / path
        if copy.exists() and copy.stat().st_mtime >= source.stat().st_mtime:
            return path, None
        try:
            image = load_image(source, short_side)
        except BadImageError as error:
            return path, error.reason
        scale = short_side / min(image.size)
        copy.parent.mkdir(parents=True, exist_ok=True)
        staging = copy.with_name(f".{copy.name}.tmp-{os.getpid()}")
        if scale >= 1 and _is_jpeg(source):  # small enough already: keep the bytes, no second compression
            shutil.copyfile(source, staging)
        else:
            if scale < 1:
                size = (round(image.width * scale), round(image.height * scale))
                image = image.resize(size, Image.Resampling.BICUBIC)
            image.save(staging, format="JPEG", quality=90)
        staging.replace(copy)  # a killed run never leaves half an image behind
        return path, None

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = track(pool.map(prepare, paths), total=len(paths), description=f"Preparing {target.name}")
        failed = {path: reason for path, reason in results if reason}
    (target / COMPLETE).write_text(f"{len(paths) - len(failed)} images, short side {short_side}\n")
    return failed
