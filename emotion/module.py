"""AssistedEmotionModule: both networks, the assisted loss, the schedule and the metrics in one LightningModule."""

from __future__ import annotations

from itertools import chain

import lightning as L
from hydra.utils import instantiate
from torch import Tensor, nn
from torchmetrics import MaxMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score
from torchmetrics.regression import KLDivergence

from emotion.models.assisted import NETWORKS, AssistedEmotionNet
from emotion.models.hierarchy import head_probabilities
from emotion.models.loss import AssistedLoss
from emotion.taxonomy import POLARITIES, Taxonomy, get_taxonomy


def build_metrics(taxonomy: Taxonomy, networks: tuple[str, ...], prefix: str) -> nn.ModuleDict:
    """One MetricCollection per prediction, each fed its own (preds, target); keys like "val/emotion_acc"."""
    accuracy = lambda classes: MulticlassAccuracy(classes, average="micro")  # noqa: E731
    metrics = {"polarity": {"polarity_acc": accuracy(len(POLARITIES))}}
    if "emotion" in networks:
        metrics["emotion"] = {
            "emotion_acc": accuracy(taxonomy.num_emotions),
            "emotion_f1": MulticlassF1Score(taxonomy.num_emotions, average="macro"),
        }
        # only where the data gives per-emotion probabilities (Emotion6 with data.label_mode=distribution)
        metrics["distribution"] = {"emotion_kl": KLDivergence()}
    if set(networks) == set(NETWORKS):
        # does the polarity of the predicted emotion agree with the polarity head's prediction?
        metrics["hierarchy"] = {"hierarchy_agreement": accuracy(len(POLARITIES))}
    return nn.ModuleDict({name: MetricCollection(group, prefix=prefix) for name, group in metrics.items()})


class AssistedEmotionModule(L.LightningModule):
    def __init__(
        self,
        taxonomy: str,
        backbone: dict,
        optimizer: dict,
        scheduler: dict | None = None,
        networks: tuple[str, ...] = NETWORKS,
        fusion: str = "concat",
        share_backbone: bool = False,
        dropout: float = 0.0,
        loss: dict | None = None,
        schedule: dict | None = None,
        inference: dict | None = None,
        pretrained_backbone_lr_scale: float = 0.1,
        monitor: str = "val/emotion_acc",
    ):
        super().__init__()
        # plain values only, so checkpoints load with weights_only=True
        self.save_hyperparameters()
        self.taxonomy = get_taxonomy(taxonomy)
        if self.taxonomy.name == "binary" and "emotion" in networks:
            raise ValueError("The data's labels are binary (positive/negative): train with model=polarity_only")
        self.net = AssistedEmotionNet(
            self.taxonomy, backbone["name"], backbone["pretrained"], networks, fusion, share_backbone, dropout
        )
        self.criterion = AssistedLoss(self.taxonomy.polarity_matrix, **(loss or {}))
        self.schedule = {"polarity_warmup_epochs": 0, "freeze_polarity_after_warmup": False, **(schedule or {})}
        self.polarity_gate = (inference or {}).get("polarity_gate", 0.0)
        self.register_buffer("polarity_of", self.taxonomy.polarity_of, persistent=False)
        for stage in ("train", "val", "test"):
            setattr(self, f"{stage}_metrics", build_metrics(self.taxonomy, self.net.networks, f"{stage}/"))
        self.val_best = MaxMetric()

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        return self.net(images)

    def setup(self, stage: str) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        if stage == "fit" and datamodule is not None:
            self.criterion.fit_class_weights(datamodule.class_counts().to(self.device))

    @property
    def in_polarity_warmup(self) -> bool:
        return self.current_epoch < self.schedule["polarity_warmup_epochs"]

    def on_train_epoch_start(self) -> None:
        # decided from the epoch alone, so a resumed run freezes exactly as an uninterrupted one
        if (
            self.schedule["freeze_polarity_after_warmup"]
            and not self.in_polarity_warmup
            and not self.net.polarity_frozen
        ):
            self.net.freeze_polarity()

    def model_step(self, batch: dict[str, Tensor]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        outputs = self.net(batch["image"])
        return outputs, self.criterion(outputs, batch, warmup=self.training and self.in_polarity_warmup)

    @property
    def heads(self) -> tuple[str, ...]:
        """The heads inference reports, in the order exported models return them."""
        return ("emotion", "polarity") if "emotion" in self.net.networks else ("polarity",)

    @property
    def class_names(self) -> dict[str, tuple[str, ...]]:
        return {"emotion": self.taxonomy.emotions, "polarity": POLARITIES}

    def predictions(self, outputs: dict[str, Tensor]) -> dict[str, Tensor]:
        """Probabilities and classes per head; the emotion is gated by the polarity head when model.inference asks."""
        predictions = {}
        for head, probs in head_probabilities(outputs, self.polarity_of, self.polarity_gate).items():
            predictions |= {f"{head}_probs": probs, head: probs.argmax(-1)}
        return predictions

    def _step(self, stage: str, batch: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        """The one step of every stage: loss, its terms and the metrics, logged under `stage/`."""
        outputs, losses = self.model_step(batch)
        loss = losses.pop("loss")
        log = {"on_step": stage == "train", "on_epoch": True, "batch_size": len(batch["image"])}
        self.log(f"{stage}/loss", loss, prog_bar=True, **log)
        self.log_dict({f"{stage}/loss_{name}": term for name, term in losses.items()}, **log)
        predictions = self.predictions(outputs)
        metric_inputs = {  # each metric group's update arguments
            "polarity": (predictions["polarity"], batch["polarity"]),
            "emotion": (predictions.get("emotion"), batch["emotion"]),
            # KL(votes ‖ model): torchmetrics' KLDivergence takes the reference distribution first
            "distribution": (batch.get("emotion_distribution"), predictions.get("emotion_probs")),
        }
        if "emotion" in predictions:
            metric_inputs["hierarchy"] = (self.polarity_of[predictions["emotion"]], predictions["polarity"])
        for name, metrics in getattr(self, f"{stage}_metrics").items():
            inputs = metric_inputs[name]
            if any(x is None for x in inputs):  # this data has no such target (no emotion distributions)
                continue
            metrics.update(*inputs)
            self.log_dict(metrics, on_step=False, on_epoch=True, prog_bar=stage == "val")
        return loss, predictions

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        return self._step("train", batch)[0]

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> dict[str, Tensor]:
        return self._step("val", batch)[1]

    def test_step(self, batch: dict[str, Tensor], batch_idx: int) -> dict[str, Tensor]:
        return self._step("test", batch)[1]

    def on_validation_epoch_end(self) -> None:
        monitored = dict(chain.from_iterable(m.items() for m in self.val_metrics.values()))[self.hparams.monitor]
        self.val_best(monitored.compute())
        self.log(f"{self.hparams.monitor}_best", self.val_best.compute())

    def configure_optimizers(self) -> dict:
        """Heads at the configured learning rate; a pretrained backbone at a fraction of it."""
        backbone = list(self.net.backbones.parameters())
        heads = [p for name, p in self.net.named_parameters() if not name.startswith("backbones.")]
        lr_scale = self.hparams.pretrained_backbone_lr_scale if self.hparams.backbone["pretrained"] else 1.0
        optimizer = instantiate(self.hparams.optimizer)(
            [{"params": heads}, {"params": backbone, "lr": self.hparams.optimizer["lr"] * lr_scale}]
        )
        if not self.hparams.scheduler:
            return {"optimizer": optimizer}
        return {"optimizer": optimizer, "lr_scheduler": instantiate(self.hparams.scheduler)(optimizer)}
