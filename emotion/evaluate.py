"""emotion-eval: a checkpoint's test metrics, per-class scores, confusion matrices and calibration.

By default on the test split it was trained with (data and split are stored in the checkpoint);
`data=<name>` evaluates it on another dataset with the same taxonomy instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import hydra
import lightning as L
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table
from torch import Tensor
from torchmetrics import MetricCollection
from torchmetrics.classification import (
    MulticlassCalibrationError,
    MulticlassConfusionMatrix,
    MulticlassF1Score,
    MulticlassPrecision,
    MulticlassRecall,
)

from emotion import CONFIG_DIR, plots
from emotion.checkpoints import check_compatible, load_checkpoint
from emotion.console import print_results
from emotion.data.datamodule import EmotionDataModule
from emotion.module import AssistedEmotionModule
from emotion.runs import register_resolvers, write_results

register_resolvers()

PER_CLASS = ("precision", "recall", "f1")


def evaluation_data(cfg: DictConfig, module: AssistedEmotionModule, own: EmotionDataModule) -> EmotionDataModule:
    """The checkpoint's own data, or the `data` group composed as emotion-train does if its taxonomy fits;
    either way the images are preprocessed as the model was trained (input size, mean and std)."""
    if not cfg.get("data"):
        return own
    preprocessing = {name: own.hparams[name] for name in ("image_size", "mean", "std")}
    datamodule = instantiate(cfg.data, **preprocessing)
    check_compatible(module, datamodule)
    return datamodule


class CollectTestProbabilities(L.Callback):
    """Keeps every test batch's probabilities per head (from test_step) and its labels, for the scores that
    need them all."""

    def on_test_start(self, trainer: L.Trainer, module: AssistedEmotionModule) -> None:
        self.heads = module.heads
        self.probs, self.labels = defaultdict(list), defaultdict(list)

    def on_test_batch_end(self, trainer, module, outputs: dict[str, Tensor], batch, batch_idx, dataloader_idx=0):
        for head in self.heads:
            self.probs[head].append(outputs[f"{head}_probs"].float().cpu())
            self.labels[head].append(batch[head].cpu())

    def gathered(self) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """Per head, (N, C) probabilities and (N,) labels."""
        return {h: torch.cat(p) for h, p in self.probs.items()}, {h: torch.cat(y) for h, y in self.labels.items()}


def head_report(head: str, probs: Tensor, labels: Tensor, names: Sequence[str], n_bins: int, plots_dir: Path):
    """Per-class precision, recall and F1 and the expected calibration error of one head, with its two plots."""
    k = len(names)
    per_class = MetricCollection(
        {
            "precision": MulticlassPrecision(k, average=None),
            "recall": MulticlassRecall(k, average=None),
            "f1": MulticlassF1Score(k, average=None),
        }
    )
    results = {
        f"test/{head}_{metric}/{name}": value
        for metric, values in per_class(probs, labels).items()
        for name, value in zip(names, values.tolist(), strict=True)
    }
    ece = results[f"test/{head}_ece"] = MulticlassCalibrationError(k, n_bins=n_bins)(probs, labels).item()
    confusion = MulticlassConfusionMatrix(k, normalize="true")
    confusion.update(probs, labels)
    title = f"{head.capitalize()}: confusion on {len(labels)} test images"
    plots.confusion_matrix(confusion, names, title, plots_dir / f"{head}_confusion.png")
    title = f"{head.capitalize()}: reliability on {len(labels)} test images (ECE {ece:.3f})"
    plots.reliability_diagram(probs, labels, n_bins, title, plots_dir / f"{head}_reliability.png")
    return results


def print_per_class(results: dict[str, float], head: str, names: Sequence[str], labels: Tensor) -> None:
    table = Table(title=f"test: {head} per class")
    for column in ("class", *PER_CLASS, "images"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, count in zip(names, labels.bincount(minlength=len(names)).tolist(), strict=True):
        scores = (f"{results[f'test/{head}_{metric}/{name}']:.4f}" for metric in PER_CLASS)
        table.add_row(name, *scores, str(count))
    Console().print(table)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Test metrics as emotion-train computes them, then per-class scores, calibration and plots."""
    module, own_data = load_checkpoint(cfg.ckpt)
    datamodule = evaluation_data(cfg, module, own_data)
    if cfg.polarity_gate is not None:
        module.polarity_gate = cfg.polarity_gate
    collected = CollectTestProbabilities()
    trainer: L.Trainer = instantiate(cfg.trainer, logger=False, callbacks=[collected])
    results = trainer.test(module, datamodule=datamodule, verbose=False)[0]
    probs, labels = collected.gathered()
    out = Path(cfg.paths.run_dir)
    for head in module.heads:
        names = module.class_names[head]
        results |= head_report(head, probs[head], labels[head], names, cfg.calibration_bins, out / "plots")
    write_results(out, results)
    print_results({name: value for name, value in results.items() if name.count("/") == 1}, str(cfg.ckpt))
    for head in module.heads:
        print_per_class(results, head, module.class_names[head], labels[head])
    return results


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    evaluate(cfg)


if __name__ == "__main__":
    main()
