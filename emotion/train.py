"""emotion-train: compose the config, train the assisted model, evaluate its best checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hydra
import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.loggers import WandbLogger
from omegaconf import DictConfig, OmegaConf

from emotion import CONFIG_DIR
from emotion.console import print_results
from emotion.models.backbones import backbone_normalization
from emotion.runs import (
    ddp_job_scope,
    read_results,
    register_resolvers,
    resume_checkpoint,
    save_config,
    write_results,
)

register_resolvers()


def instantiate_each(group: DictConfig | None) -> list[Any]:
    """A config group of named components (callbacks, loggers) -> the list of instantiated ones."""
    return [instantiate(component) for component in (group or {}).values() if component]


def evaluate_best(trainer: L.Trainer, module: L.LightningModule, datamodule: L.LightningDataModule) -> dict:
    """Val and test metrics of the best checkpoint (fast_dev_run saves none: then the weights in memory)."""
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else None
    results = {}
    for evaluate in (trainer.validate, trainer.test):
        results.update(evaluate(module, datamodule=datamodule, ckpt_path=best or None, verbose=False)[0])
    return results


def finish_loggers(trainer: L.Trainer) -> None:
    """Close the wandb run, so the next job of a multirun starts its own."""
    for logger in trainer.loggers:
        if isinstance(logger, WandbLogger) and trainer.is_global_zero:
            logger.experiment.finish()


def train(cfg: DictConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """Train, then evaluate the best checkpoint on val and test; returns the results and the objects."""
    run_dir = Path(cfg.paths.run_dir)
    if (finished := read_results(run_dir)) and cfg.run.resume == "auto":
        print_results(finished, f"{run_dir} finished already")
        return finished, {}
    ckpt_path = resume_checkpoint(run_dir, cfg.run.resume)
    save_config(cfg, run_dir)
    L.seed_everything(cfg.seed, workers=True)

    datamodule = instantiate(cfg.data, **backbone_normalization(cfg.backbone.name))
    module = instantiate(cfg.model)
    if cfg.compile:
        module.net.compile()
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=instantiate_each(cfg.callbacks), logger=instantiate_each(cfg.logger) or False
    )
    for logger in trainer.loggers:  # the whole resolved config, beside the module's hyper-parameters
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    with ddp_job_scope():
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        results = evaluate_best(trainer, module, datamodule)
        if trainer.is_global_zero:
            write_results(run_dir, results)
            print_results(results, f"{run_dir.name}: best checkpoint by {cfg.model.monitor}")
        finish_loggers(trainer)
    return results, {"trainer": trainer, "module": module, "datamodule": datamodule}


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def main(cfg: DictConfig) -> float | None:
    results, _ = train(cfg)
    return results.get(cfg.model.monitor)  # the objective for Hydra's sweepers


if __name__ == "__main__":
    main()
