"""Loading a trained run back from one checkpoint file: the model, the data it was trained on, and a plain
inference model (images -> probabilities) for prediction, export and explanation."""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch
from torch import Tensor, nn
from torchvision.transforms import v2

from emotion.data.datamodule import EmotionDataModule
from emotion.data.transforms import eval_transform
from emotion.models.hierarchy import head_probabilities
from emotion.module import AssistedEmotionModule
from emotion.taxonomy import Taxonomy

CHECKPOINT_KEYS = ("state_dict", "hyper_parameters", "datamodule_hyper_parameters")


def read_checkpoint(ckpt: Path | str) -> dict:
    """The checkpoint's contents, read with weights_only=True: tensors and plain values, never code."""
    path = Path(ckpt).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"ckpt={path}: no such checkpoint file")
    if not zipfile.is_zipfile(path):  # torch.save writes zip archives
        raise ValueError(f"ckpt={path} is not a checkpoint: not a PyTorch archive (truncated, or another kind of file)")
    try:
        # mapped, not read: tensors come off the disk when used, so checking a checkpoint (resume) costs little
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as error:  # torch.load raises many types; none of them leaves a usable checkpoint
        reason = str(error).splitlines()[0]
        raise ValueError(f"ckpt={path} is not a checkpoint that loads with weights_only=True: {reason}") from error
    if not (isinstance(checkpoint, dict) and all(key in checkpoint for key in CHECKPOINT_KEYS)):
        keys = ", ".join(CHECKPOINT_KEYS)
        raise ValueError(f"ckpt={path} is not a checkpoint written by emotion-train (one holds {keys})")
    return checkpoint


def load_checkpoint(ckpt: Path | str) -> tuple[AssistedEmotionModule, EmotionDataModule]:
    """The trained module and the datamodule of the data (and split) it was trained on."""
    return restore(read_checkpoint(ckpt), ckpt)


def restore(checkpoint: dict, ckpt: Path | str) -> tuple[AssistedEmotionModule, EmotionDataModule]:
    hparams = checkpoint["hyper_parameters"]
    # the trained weights replace the pretrained ones, so do not fetch them
    module = AssistedEmotionModule(**{**hparams, "backbone": {**hparams["backbone"], "pretrained": False}})
    try:
        module.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:  # e.g. an emotion head with another class count than the taxonomy's
        raise ValueError(
            f"ckpt={ckpt}: its weights do not fit the model its hyper-parameters describe "
            f"(taxonomy {describe(module.taxonomy)}): {error}"
        ) from error
    return module, EmotionDataModule(**checkpoint["datamodule_hyper_parameters"])


def describe(taxonomy: Taxonomy) -> str:
    return f"'{taxonomy.name}' ({taxonomy.num_emotions} classes: {', '.join(taxonomy.emotions)})"


def check_compatible(module: AssistedEmotionModule, datamodule: EmotionDataModule) -> None:
    """The model's classes must be the data's, in the same order, or every metric would be meaningless."""
    if module.taxonomy != datamodule.taxonomy:
        raise ValueError(
            f"The checkpoint was trained on taxonomy {describe(module.taxonomy)}, but the data uses taxonomy "
            f"{describe(datamodule.taxonomy)}; evaluate on data with the checkpoint's taxonomy"
        )


def inference_transform(datamodule: EmotionDataModule) -> v2.Compose:
    """The evaluation preprocessing the model was trained with: input size, mean and std from the checkpoint."""
    hp = datamodule.hparams
    return eval_transform(hp.image_size, hp.mean, hp.std)


class InferenceModel(nn.Module):
    """(B, 3, H, W) preprocessed images -> a tuple of probabilities, one (B, C) tensor per head in `heads`.

    A plain module (no Lightning) that ONNX and TorchScript can trace: ("emotion", "polarity"), or
    ("polarity",) for a polarity-only model. The emotion is gated by the polarity head with the
    checkpoint's β (model.inference.polarity_gate), as in evaluation.
    """

    def __init__(self, module: AssistedEmotionModule):
        super().__init__()
        self.net = module.net
        self.polarity_gate = module.polarity_gate
        self.register_buffer("polarity_of", module.polarity_of, persistent=False)
        self.heads, self.class_names = module.heads, module.class_names
        self.eval()  # inference only: dropout off, batch-norm statistics fixed

    def forward(self, images: Tensor) -> tuple[Tensor, ...]:
        probs = head_probabilities(self.net(images), self.polarity_of, self.polarity_gate)
        return tuple(probs[head] for head in self.heads)  # (B, K) emotion, (B, 2) polarity

    def probabilities(self, images: Tensor) -> dict[str, Tensor]:
        return dict(zip(self.heads, self(images), strict=True))
