"""Backbone factory: build_backbone(name, pretrained) -> (feature extractor, feature dimension).

The field's baselines come from torchvision, so results compare with the papers that fine-tuned
them; every other name is a timm model (convnext_tiny, vit_base_patch16_clip_224.openai, ...).
"""

from __future__ import annotations

import timm
import torchvision
from torch import nn

TORCHVISION_BACKBONES = frozenset({"alexnet", "densenet121", "resnet18", "resnet50", "resnet101", "vgg16"})


def build_backbone(name: str, pretrained: bool = False) -> tuple[nn.Module, int]:
    """A module mapping (B, 3, H, W) images to (B, D) features, and D."""
    build = _torchvision_backbone if name in TORCHVISION_BACKBONES else _timm_backbone
    try:
        return build(name, pretrained)
    except (OSError, RuntimeError) as error:
        if not pretrained:
            raise
        raise RuntimeError(
            f"Could not fetch pretrained weights for backbone '{name}' ({type(error).__name__}: {error}). "
            "Without network access, train from scratch with backbone.pretrained=false."
        ) from error


def _torchvision_backbone(name: str, pretrained: bool) -> tuple[nn.Module, int]:
    model = torchvision.models.get_model(name, weights="DEFAULT" if pretrained else None)
    # every torchvision classifier ends in one Linear layer: its input is the feature vector
    parent, attribute, classifier = _last_linear(model)
    setattr(parent, attribute, nn.Identity())
    return model, classifier.in_features


def _last_linear(model: nn.Module) -> tuple[nn.Module, str, nn.Linear]:
    name = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)][-1]
    parent_name, _, attribute = name.rpartition(".")
    return model.get_submodule(parent_name), attribute, model.get_submodule(name)


def _timm_backbone(name: str, pretrained: bool) -> tuple[nn.Module, int]:
    if not timm.is_model(name):
        raise ValueError(
            f"Unknown backbone '{name}': not one of {sorted(TORCHVISION_BACKBONES)} (torchvision) "
            "nor a timm model name (see timm.list_models())"
        )
    model = timm.create_model(name, pretrained=pretrained, num_classes=0)
    return model, model.num_features


def backbone_normalization(name: str) -> dict[str, list[float]]:
    """Mean and std that the backbone's pretrained weights expect, read from the model's own config."""
    if name in TORCHVISION_BACKBONES:
        preset = torchvision.models.get_model_weights(name).DEFAULT.transforms()
        mean, std = preset.mean, preset.std
    else:
        config = timm.get_pretrained_cfg(name)
        mean, std = config.mean, config.std
    return {"mean": [float(m) for m in mean], "std": [float(s) for s in std]}
