"""The embedded default dataset: small JPEGs in FI layout whose emotions are learnable from visual cues.

Colour carries polarity (warm and bright for positive, cool and dark for negative, with a few
ambiguous hues); the shape or texture carries the emotion within a polarity, and the same four
shapes appear in both polarities, so the specific emotion needs both cues. Clutter, pixel noise and
JPEG compression keep the task from being trivial.
"""

from __future__ import annotations

import colorsys
import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from emotion.taxonomy import Taxonomy

SHAPES = ("disc", "ring", "checker", "stripes")
SPEC = {"version": 2, "image_size": 48, "images_per_class": 300, "seed": 0, "ambiguous_hue_rate": 0.04}
_DONE = ".complete"


def ensure_synthetic(root: Path, taxonomy: Taxonomy) -> Path:
    """Generate the dataset into `root` unless a complete copy is there; safe under concurrent calls."""
    root = Path(root).expanduser()
    if (root / _DONE).exists():
        return root
    staging = root.with_name(f"{root.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    generate(staging, taxonomy)
    (staging / _DONE).write_text(json.dumps(SPEC))
    try:
        staging.rename(root)
    except OSError:  # another process got there first (or `root` is a user's own folder): keep theirs
        shutil.rmtree(staging)
    return root


def generate(root: Path, taxonomy: Taxonomy) -> None:
    rng = np.random.default_rng(SPEC["seed"])
    for emotion in taxonomy.emotions:
        folder = root / emotion
        folder.mkdir(parents=True)
        positive = emotion in taxonomy.positive
        # the i-th emotion of each polarity gets the i-th shape
        shape = SHAPES[
            sorted(e for e in taxonomy.emotions if (e in taxonomy.positive) == positive).index(emotion) % len(SHAPES)
        ]
        for i in range(SPEC["images_per_class"]):
            draw_image(rng, positive, shape).save(folder / f"{emotion}_{i:04d}.jpg", quality=80)


def _colour(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return int(r * 255), int(g * 255), int(b * 255)


def draw_image(rng: np.random.Generator, positive: bool, shape: str) -> Image.Image:
    size = SPEC["image_size"]
    if rng.random() < SPEC["ambiguous_hue_rate"]:
        hue = rng.random()
    else:
        hue = rng.normal(0.08, 0.05) if positive else rng.normal(0.6, 0.05)
    value = rng.uniform(0.6, 1.0) if positive else rng.uniform(0.3, 0.7)
    saturation = rng.uniform(0.4, 0.9)
    # the figure contrasts with the background by brightness, so it is visible in both palettes
    figure_value = value - 0.3 if value > 0.6 else value + 0.3
    image = Image.new("RGB", (size, size), _colour(hue, saturation, value))
    draw = ImageDraw.Draw(image)
    _draw_clutter(draw, rng, size, hue, saturation, value)
    _draw_shape(draw, rng, shape, size, _colour(hue + rng.normal(0, 0.03), saturation, figure_value))
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 10, (size, size, 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def _draw_clutter(draw: ImageDraw.ImageDraw, rng: np.random.Generator, size: int, hue, saturation, value):
    """A few faint blobs of any shape-free kind, so edges alone do not give the class away."""
    for _ in range(rng.integers(1, 4)):
        x, y = rng.uniform(0, size, 2)
        r = rng.uniform(2, size / 8)
        faint = _colour(hue + rng.normal(0, 0.05), saturation, value + rng.uniform(-0.12, 0.12))
        draw.ellipse((x - r, y - r * rng.uniform(0.3, 1), x + r, y + r), fill=faint)


def _draw_shape(draw: ImageDraw.ImageDraw, rng: np.random.Generator, shape: str, size: int, colour):
    """Objects (a disc, a ring) or textures over the whole picture (a checkerboard, stripes)."""
    radius = size * rng.uniform(0.25, 0.38)
    cx, cy = rng.uniform(radius + 1, size - radius - 1, 2)
    if shape == "disc":
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
    elif shape == "ring":
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=colour, width=int(radius / 3))
    elif shape == "checker":
        cell = rng.uniform(5, 8)
        x0, y0 = rng.uniform(0, cell, 2)
        for i, x in enumerate(np.arange(x0 - cell, size, cell)):
            for j, y in enumerate(np.arange(y0 - cell, size, cell)):
                if (i + j) % 2:
                    draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=colour)
    else:  # stripes at any angle
        angle = rng.uniform(0, math.pi)
        dx, dy = math.cos(angle), math.sin(angle)
        for offset in np.arange(-size, size, rng.uniform(7, 11)):
            px, py = size / 2 - dy * offset, size / 2 + dx * offset
            draw.line((px - dx * size, py - dy * size, px + dx * size, py + dy * size), fill=colour, width=3)
