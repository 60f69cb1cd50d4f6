"""EmotionDataModule: source -> split (written to the run directory) -> dataset -> batches.

A batch is a dict: {"image": (B, 3, H, W) float, "emotion": (B,) long, "polarity": (B,) long}.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from emotion.data.images import BadImageError, find_bad_images, load_image
from emotion.data.sources import Sample, read_samples
from emotion.data.splits import read_split, stratified_split, write_split
from emotion.data.transforms import eval_transform, train_transform
from emotion.taxonomy import get_taxonomy

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BAD_IMAGE_POLICIES = ("skip", "error")


class EmotionImages(Dataset):
    def __init__(self, root: Path, samples: list[Sample], polarity_of: list[int], transform, decode_size: int):
        self.root, self.samples, self.polarity_of = root, samples, polarity_of
        self.transform, self.decode_size = transform, decode_size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict:
        path, emotion = self.samples[index]
        image = load_image(self.root / path, self.decode_size)
        return {"image": self.transform(image), "emotion": emotion, "polarity": self.polarity_of[emotion]}


class EmotionDataModule(L.LightningDataModule):
    def __init__(
        self,
        source: str,
        root: str,
        taxonomy: str,
        output_dir: str,
        image_size: int = 224,
        batch_size: int = 64,
        num_workers: int = 4,
        split_fractions: dict[str, float] | None = None,
        split_seed: int = 0,
        on_bad_image: str = "skip",
        crop_scale: tuple[float, float] = (0.08, 1.0),
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ):
        super().__init__()
        if on_bad_image not in BAD_IMAGE_POLICIES:
            raise ValueError(f"data.on_bad_image='{on_bad_image}'; choose one of {list(BAD_IMAGE_POLICIES)}")
        self.save_hyperparameters()
        self.taxonomy = get_taxonomy(taxonomy)
        self.root = Path(root).expanduser()
        self.split_file = Path(output_dir) / "splits.csv"
        self.skipped_file = Path(output_dir) / "skipped_images.csv"
        self.split_fractions = split_fractions or {"train": 0.8, "val": 0.05, "test": 0.15}
        self.datasets: dict[str, EmotionImages] = {}

    def prepare_data(self) -> None:
        """Read the source and write the split once; later runs (and resumes) reuse the file."""
        if self.split_file.exists():
            return
        samples = read_samples(self.hparams.source, self.root, self.taxonomy)
        bad = find_bad_images([self.root / s.path for s in samples], self.hparams.image_size)
        if bad and self.hparams.on_bad_image == "error":
            path, reason = next(iter(bad.items()))
            raise BadImageError(path, f"{reason} ({len(bad)} unreadable file(s); data.on_bad_image=skip skips them)")
        if bad:
            self._write_skipped(bad)
            log.warning("Skipped %d unreadable image(s), listed in %s", len(bad), self.skipped_file)
        good = [s for s in samples if self.root / s.path not in bad]
        write_split(
            self.split_file,
            stratified_split(good, self.split_fractions, self.hparams.split_seed),
            self.taxonomy.emotions,
        )

    def _write_skipped(self, bad: dict[Path, str]) -> None:
        self.skipped_file.parent.mkdir(parents=True, exist_ok=True)
        with self.skipped_file.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["path", "reason"])
            writer.writerows(sorted((str(path), reason) for path, reason in bad.items()))

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        hp = self.hparams
        polarity_of = self.taxonomy.polarity_of.tolist()
        transforms = {
            "train": train_transform(hp.image_size, hp.mean, hp.std, hp.crop_scale),
            "eval": eval_transform(hp.image_size, hp.mean, hp.std),
        }
        for name, samples in read_split(self.split_file, self.taxonomy.emotions).items():
            transform = transforms["train" if name == "train" else "eval"]
            self.datasets[name] = EmotionImages(self.root, samples, polarity_of, transform, hp.image_size)

    def _loader(self, split: str, shuffle: bool = False) -> DataLoader:
        workers = self.hparams.num_workers
        return DataLoader(
            self.datasets[split],
            batch_size=self.hparams.batch_size,
            shuffle=shuffle,
            num_workers=workers,
            persistent_workers=workers > 0,
            pin_memory=torch.cuda.is_available(),
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")
