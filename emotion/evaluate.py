"""emotion-eval: recompute a checkpoint's test metrics on the data (and split) it was trained with."""

from __future__ import annotations

from pathlib import Path

import hydra
import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig

from emotion import CONFIG_DIR
from emotion.checkpoints import load_checkpoint
from emotion.console import print_results
from emotion.runs import register_resolvers, write_results

register_resolvers()


def evaluate(cfg: DictConfig) -> dict[str, float]:
    module, datamodule = load_checkpoint(cfg.ckpt)
    trainer: L.Trainer = instantiate(cfg.trainer, logger=False)
    results = trainer.test(module, datamodule=datamodule, verbose=False)[0]
    write_results(Path(cfg.paths.run_dir), results)
    print_results(results, str(cfg.ckpt))
    return results


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    evaluate(cfg)


if __name__ == "__main__":
    main()
