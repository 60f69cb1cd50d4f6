"""Loading a trained run back from one checkpoint file: the model and the data it was trained on."""

from __future__ import annotations

from pathlib import Path

import torch

from emotion.data.datamodule import EmotionDataModule
from emotion.module import AssistedEmotionModule


def load_checkpoint(ckpt: Path | str) -> tuple[AssistedEmotionModule, EmotionDataModule]:
    """Read once, with weights_only=True (the hyper-parameters are plain values by design)."""
    ckpt = Path(ckpt).expanduser()
    if not ckpt.is_file():
        raise FileNotFoundError(f"ckpt={ckpt}: no such checkpoint file")
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    hparams = checkpoint["hyper_parameters"]
    # the trained weights replace the pretrained ones, so do not fetch them
    module = AssistedEmotionModule(**{**hparams, "backbone": {**hparams["backbone"], "pretrained": False}})
    module.load_state_dict(checkpoint["state_dict"])
    return module, EmotionDataModule(**checkpoint["datamodule_hyper_parameters"])
