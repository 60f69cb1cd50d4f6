"""What the tests of emotion-eval, -predict, -export and -explain share: a checkpoint and a folder of inputs."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

from emotion.train import train

from .conftest import compose_train


@functools.cache
def trained_checkpoint(base: Path) -> Path:
    """The assisted model after two batches of the synthetic data: enough for the commands to act on.

    Trained once per test session (`base` is its temporary folder) and shared, read-only, by the four
    test modules; each command writes its output elsewhere or into its own eval sub-folder.
    """
    run_dir = base / "trained"
    limits = ["trainer.limit_train_batches=2", "trainer.limit_val_batches=1", "trainer.limit_test_batches=1"]
    train(compose_train(run_dir, "trainer.max_epochs=1", *limits, "callbacks.model_summary=null"))
    return run_dir / "checkpoints" / "best.ckpt"


def image_folder(folder: Path) -> tuple[list[Path], list[Path]]:
    """Four synthetic images (two of each polarity) and two bad files: a JPEG cut short and a text file."""
    synthetic = Path(os.environ["EMOTION_DATA_DIR"]) / "synthetic-v2"
    folder.mkdir(parents=True)
    good = [Path(shutil.copy(synthetic / e / f"{e}_0000.jpg", folder)) for e in ("awe", "amusement", "fear", "anger")]
    cut = folder / "cut.jpg"
    cut.write_bytes(good[0].read_bytes()[:300])
    notes = folder / "notes.txt"
    notes.write_text("not an image")
    return good, [cut, notes]
