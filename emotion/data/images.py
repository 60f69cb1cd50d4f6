"""Image decoding that turns every readable file into RGB and every unreadable one into a named error."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageOps

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"})


class BadImageError(Exception):
    """A file that cannot be decoded as an image; the message names the file."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def load_image(path: Path | str, min_size: int | None = None) -> Image.Image:
    """Decode `path` as an upright RGB image.

    With `min_size`, JPEGs are decoded at the smallest DCT scale whose short side still covers it,
    which skips most of the work for photos much larger than the network input.
    """
    try:
        with Image.open(path) as image:
            if min_size:
                image.draft("RGB", (min_size, min_size))
            return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise BadImageError(path, f"{type(error).__name__}: {error}") from error


def find_bad_images(paths: list[Path], min_size: int | None = None) -> dict[Path, str]:
    """Decode every file once (threads: PIL releases the GIL) and return the unreadable ones with why."""
    from concurrent.futures import ThreadPoolExecutor

    from rich.progress import track

    def check(path: Path) -> str | None:
        try:
            load_image(path, min_size)
        except BadImageError as error:
            return error.reason
        return None

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        reasons = track(pool.map(check, paths), total=len(paths), description="Checking images", transient=True)
        return {path: reason for path, reason in zip(paths, reasons, strict=True) if reason}
