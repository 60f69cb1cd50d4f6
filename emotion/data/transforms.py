"""torchvision.transforms.v2 pipelines. No colour jitter: colour carries affect."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchvision.transforms import v2


def _to_normalized_tensor(mean: Sequence[float], std: Sequence[float]) -> list:
    return [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]


def train_transform(size: int, mean, std, crop_scale: Sequence[float] = (0.08, 1.0)) -> v2.Compose:
    return v2.Compose(
        [v2.RandomResizedCrop(size, scale=tuple(crop_scale)), v2.RandomHorizontalFlip()]
        + _to_normalized_tensor(mean, std)
    )


def eval_transform(size: int, mean, std, crop_fraction: float = 0.875) -> v2.Compose:
    """The ImageNet convention: resize the short side to size / crop_fraction, then centre-crop."""
    return v2.Compose([v2.Resize(round(size / crop_fraction)), v2.CenterCrop(size)] + _to_normalized_tensor(mean, std))
