"""EmotionDataModule: source -> split (written to the run directory) -> dataset -> batches.

A batch is a dict: {"image": (B, 3, H, W) float, "emotion": (B,) long, "polarity": (B,) long}, plus
"emotion_distribution": (B, K) float when the dataset gives per-emotion probabilities.
"""

from __future__ import annotations

import csv
import logging
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import Dataset, WeightedRandomSampler
from torchdata.stateful_dataloader import StatefulDataLoader
from torchdata.stateful_dataloader.sampler import RandomSampler

from emotion.data.images import BadImageError, check_images, load_image
from emotion.data.prepare import prepared_root
from emotion.data.sources import Sample, read_samples
from emotion.data.splits import check_disjoint, make_split, read_split, write_split
from emotion.data.transforms import eval_transform, train_transform
from emotion.taxonomy import get_taxonomy

log = logging.getLogger(__name__)
# torchdata 0.11 calls an API that torch deprecated since; nothing a user could change
warnings.filterwarnings("ignore", message="'set_vital' is deprecated")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BAD_IMAGE_POLICIES = ("skip", "error")
SAMPLERS = ("shuffle", "balanced")


class EmotionImages(Dataset):
    def __init__(self, root: Path, samples: list[Sample], polarity_of: list[int], transform, decode_size: int):
        self.root, self.samples, self.polarity_of = root, samples, polarity_of
        self.transform, self.decode_size = transform, decode_size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict:
        sample = self.samples[index]
        image = load_image(self.root / sample.path, self.decode_size)
        item = {"image": self.transform(image), "emotion": sample.emotion, "polarity": self.polarity_of[sample.emotion]}
        if sample.distribution:
            item["emotion_distribution"] = torch.tensor(sample.distribution)
        return item

    # Stateful for the loader's checkpoints: the random state the transforms draw from, in each worker process, so a
    # run resumed mid-epoch augments the rest of the epoch exactly as the uninterrupted run would have.
    def state_dict(self) -> dict:
        return {"torch_rng": torch.get_rng_state()}

    def load_state_dict(self, state: dict) -> None:
        torch.set_rng_state(state["torch_rng"])


class EpochSeeded:
    """A sampler whose draws in epoch e depend on (seed, e) alone: Lightning calls `set_epoch` before every epoch, so a
    run resumed at an epoch boundary draws the order, and the workers' seeds, that the uninterrupted run drew."""

    def __init__(self, *args, seed: int, epoch: int, **kwargs):
        super().__init__(*args, generator=torch.Generator(), **kwargs)
        self.seed = seed
        self.set_epoch(epoch)

    def set_epoch(self, epoch: int) -> None:
        self.generator.manual_seed(self.seed + epoch)


class ShuffleSampler(EpochSeeded, RandomSampler):  # torchdata's: its position within the epoch is checkpointed
    pass


class BalancedSampler(EpochSeeded, WeightedRandomSampler):
    pass


class EmotionDataModule(L.LightningDataModule):
    def __init__(
        self,
        source: str,
        root: str,
        taxonomy: str | dict[str, str],
        output_dir: str,
        image_size: int = 224,
        batch_size: int = 64,
        num_workers: int = 4,
        split_fractions: dict[str, float] | None = None,
        split_seed: int = 0,
        num_folds: int | None = None,
        fold: int = 0,
        on_bad_image: str = "skip",
        sampler: str = "shuffle",
        crop_scale: tuple[float, float] = (0.08, 1.0),
        seed: int = 0,
        prepared_dir: str | None = None,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
        **options,  # the source's own options: data.label_mode, data.agreement, data.manifest
    ):
        super().__init__()
        if on_bad_image not in BAD_IMAGE_POLICIES:
            raise ValueError(f"data.on_bad_image='{on_bad_image}'; choose one of {list(BAD_IMAGE_POLICIES)}")
        if sampler not in SAMPLERS:
            raise ValueError(f"data.sampler='{sampler}'; choose one of {list(SAMPLERS)}")
        self.save_hyperparameters()
        self.taxonomy = get_taxonomy(taxonomy)
        self.root = Path(root).expanduser()
        # a prepared (resized) copy made by emotion-prepare is used whenever it is there
        prepared = prepared_root(Path(prepared_dir), self.root) if prepared_dir else None
        self.image_root = prepared if prepared and (prepared / ".complete").exists() else self.root
        self.output_dir = Path(output_dir)
        self.split_file = self.output_dir / "splits.csv"
        self.split_fractions = split_fractions or {"train": 0.8, "val": 0.05, "test": 0.15}
        self.options = options
        self.datasets: dict[str, EmotionImages] = {}

    def prepare_data(self) -> None:
        """Read the source, check every image once and write the split; later runs (and resumes) reuse it."""
        if self.split_file.exists():
            return
        hp = self.hparams
        samples = read_samples(hp.source, self.root, self.taxonomy, self.options)
        checks = check_images([self.image_root / s.path for s in samples], hp.image_size)
        bad = [c for c in checks if c.error]
        if bad and hp.on_bad_image == "error":
            raise BadImageError(
                bad[0].path, f"{bad[0].error} ({len(bad)} unreadable; data.on_bad_image=skip skips them)"
            )
        self._write_report("skipped_images.csv", ["path", "reason"], [(c.path, c.error) for c in bad])
        if bad:
            log.warning(
                "Skipped %d unreadable image(s), listed in %s", len(bad), self.output_dir / "skipped_images.csv"
            )
        good = [s for s, c in zip(samples, checks, strict=True) if not c.error]
        split = make_split(good, self.split_fractions, hp.split_seed, hp.num_folds, hp.fold)
        check_disjoint(split)
        self._report_duplicates(split, {c.path: c.digest for c in checks})
        write_split(self.split_file, split, self.taxonomy.emotions)

    def _report_duplicates(self, split: dict[str, list[Sample]], digests: dict[Path, str]) -> None:
        """The same picture under two names in two splits leaks test images into training: say so."""
        splits_of: dict[str, set[str]] = defaultdict(set)
        paths_of: dict[str, list[str]] = defaultdict(list)
        for name, samples in split.items():
            for s in samples:
                digest = digests[self.image_root / s.path]
                splits_of[digest].add(name)
                paths_of[digest].append(s.path)
        leaks = [(d, " ".join(sorted(splits_of[d])), " ".join(paths_of[d])) for d in splits_of if len(splits_of[d]) > 1]
        self._write_report("duplicate_images.csv", ["content_hash", "splits", "paths"], leaks)
        if leaks:
            log.warning("%d image(s) appear with the same content in more than one split", len(leaks))

    def _write_report(self, name: str, header: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        with (self.output_dir / name).open("w", newline="") as f:
            csv.writer(f).writerows([header, *sorted(tuple(map(str, row)) for row in rows)])

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
            self.datasets[name] = EmotionImages(self.image_root, samples, polarity_of, transform, hp.image_size)

    def class_counts(self) -> torch.Tensor:
        """(K,) training images per emotion."""
        counts = Counter(s.emotion for s in self.datasets["train"].samples)
        return torch.tensor([counts[k] for k in range(self.taxonomy.num_emotions)])

    def _loader(self, split: str, sampler: EpochSeeded | None = None) -> StatefulDataLoader:
        """A loader whose position within the epoch goes into Lightning's checkpoints, so resuming continues there.
        Each draws its workers' seeds from a generator of its own, never from the training process's random state."""
        workers = self.hparams.num_workers
        return StatefulDataLoader(
            self.datasets[split],
            batch_size=self.hparams.batch_size,
            num_workers=workers,
            # training workers start afresh each epoch, seeded by the sampler's epoch seed, so the epoch is reproducible
            persistent_workers=workers > 0 and split != "train",
            pin_memory=torch.cuda.is_available(),
            sampler=sampler,
            generator=sampler.generator if sampler else torch.Generator(),
        )

    def train_dataloader(self) -> StatefulDataLoader:
        dataset = self.datasets["train"]
        # the epoch about to run, as Lightning counts it for set_epoch (after an epoch-end checkpoint: the next one)
        epoch = self.trainer.fit_loop.epoch_progress.current.processed if self.trainer else 0
        seeding = {"seed": self.hparams.seed, "epoch": epoch}
        if self.hparams.sampler == "shuffle":
            sampler = ShuffleSampler(dataset, **seeding)
        else:  # balanced: every emotion drawn equally often (FI ranges from 1,032 fear to 5,374 contentment images)
            labels = torch.tensor([s.emotion for s in dataset.samples])
            weights = 1.0 / self.class_counts().clamp(min=1)[labels].double()
            sampler = BalancedSampler(weights, len(labels), **seeding)
        return self._loader("train", sampler)

    def val_dataloader(self) -> StatefulDataLoader:
        return self._loader("val")

    def test_dataloader(self) -> StatefulDataLoader:
        return self._loader("test")
