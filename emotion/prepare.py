"""emotion-prepare: write a resized copy of a dataset that training then uses transparently."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.utils import instantiate
from omegaconf import DictConfig
from rich.console import Console

from emotion import CONFIG_DIR
from emotion.data.prepare import prepare_images, prepared_root
from emotion.data.sources import read_samples


def prepare(cfg: DictConfig) -> Path:
    datamodule = instantiate(cfg.data)  # the same reader and options as training
    root = datamodule.root
    target = prepared_root(Path(cfg.data.prepared_dir), root)
    samples = read_samples(datamodule.hparams.source, root, datamodule.taxonomy, datamodule.options)
    failed = prepare_images(root, target, [s.path for s in samples], cfg.short_side)
    console = Console()
    console.print(f"Prepared {len(samples) - len(failed)} images of {root} in {target}")
    for path, reason in sorted(failed.items()):
        console.print(f"[yellow]skipped[/] {path}: {reason}")
    return target


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="prepare")
def main(cfg: DictConfig) -> None:
    prepare(cfg)


if __name__ == "__main__":
    main()
