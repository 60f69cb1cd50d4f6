"""Image decoding that turns every readable file into RGB and every unreadable one into a named error."""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps
from rich.progress import track

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"})


class BadImageError(Exception):
    """A file that cannot be decoded as an image; the message names the file."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def load_image(path: Path | str, min_size: int | None = None, data: bytes | None = None) -> Image.Image:
    """Decode `path` (or its bytes, `data`) as an upright 8-bit RGB image.

    With `min_size`, JPEGs are decoded at the smallest DCT scale whose sides still cover it, which
    skips most of the work for photos much larger than the network input. Animations give their
    first frame.
    """
    try:
        with Image.open(io.BytesIO(data) if data is not None else path) as image:
            if min_size:
                image.draft("RGB", (min_size, min_size))
            return to_rgb(ImageOps.exif_transpose(image))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise BadImageError(path, f"{type(error).__name__}: {error}") from error


def to_rgb(image: Image.Image) -> Image.Image:
    """Any mode to RGB: 16-bit greyscale scaled (not clipped), transparency composited over white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = Image.fromarray((np.asarray(image, dtype=np.uint32) >> 8).clip(0, 255).astype(np.uint8))
    if (image.mode == "P" and "transparency" in image.info) or image.mode in ("LA", "PA", "RGBA"):
        rgba = image.convert("RGBA")
        image = Image.new("RGBA", rgba.size, "white")
        image.alpha_composite(rgba)
    return image.convert("RGB")


class ImageCheck(NamedTuple):
    path: Path
    digest: str | None  # content hash, to find the same image under two names
    error: str | None


def check_images(paths: list[Path], min_size: int | None = None) -> list[ImageCheck]:
    """Read and decode every file once (threads: PIL releases the GIL), with a progress bar."""

    def check(path: Path) -> ImageCheck:
        try:
            data = path.read_bytes()
            load_image(path, min_size, data)
        except OSError as error:  # unreadable file
            return ImageCheck(path, None, f"{type(error).__name__}: {error}")
        except BadImageError as error:
            return ImageCheck(path, None, error.reason)
        return ImageCheck(path, hashlib.blake2b(data, digest_size=16).hexdigest(), None)

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        return list(track(pool.map(check, paths), total=len(paths), description="Checking images", transient=True))
