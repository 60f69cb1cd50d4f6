"""AssistedEmotionNet: a polarity network and an emotion network, the first assisting the second."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from emotion.models.backbones import build_backbone
from emotion.models.hierarchy import implied_polarity_log_probs
from emotion.taxonomy import POLARITIES, Taxonomy

NETWORKS = ("polarity", "emotion")
FUSIONS = ("none", "concat", "gate")


class PolarityFusion(nn.Module):
    """What the emotion head sees: its own features, alone (none), beside the polarity network's
    (concat), or gated channel-wise by them (gate)."""

    def __init__(self, mode: str, emotion_dim: int, polarity_dim: int):
        super().__init__()
        self.mode = mode
        self.gate = nn.Linear(polarity_dim, emotion_dim) if mode == "gate" else None
        self.out_dim = emotion_dim + polarity_dim if mode == "concat" else emotion_dim

    def forward(self, emotion_features: Tensor, polarity_features: Tensor | None) -> Tensor:
        if self.mode == "concat":
            return torch.cat([emotion_features, polarity_features], dim=-1)  # (B, De + Dp)
        if self.mode == "gate":
            return emotion_features * torch.sigmoid(self.gate(polarity_features))  # (B, De)
        return emotion_features


class AssistedEmotionNet(nn.Module):
    """Returns {"emotion_logits": (B, K), "polarity_logits": (B, 2)} for the networks it has.

    Without a polarity network (emotion only), "polarity_logits" are the log-probabilities the
    emotion head implies, so polarity metrics still compare across models.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        backbone: str,
        pretrained: bool = False,
        networks: Sequence[str] = NETWORKS,
        fusion: str = "concat",
        share_backbone: bool = False,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.networks = _check(networks, fusion, share_backbone)
        self.share_backbone = share_backbone and len(self.networks) == 2
        self.register_buffer("polarity_matrix", taxonomy.polarity_matrix, persistent=False)
        self.backbones = nn.ModuleDict()
        dims: dict[str, int] = {}
        for name in ("shared",) if self.share_backbone else self.networks:
            self.backbones[name], dims[name] = build_backbone(backbone, pretrained)
        if self.share_backbone:
            dims = dict.fromkeys(self.networks, dims["shared"])
        self.polarity_frozen = False
        if "polarity" in self.networks:
            self.polarity_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(dims["polarity"], len(POLARITIES)))
        if "emotion" in self.networks:
            self.fusion = PolarityFusion(fusion, dims["emotion"], dims.get("polarity", 0))
            self.emotion_head = nn.Sequential(
                nn.Dropout(dropout), nn.Linear(self.fusion.out_dim, taxonomy.num_emotions)
            )

    def forward_features(self, images: Tensor) -> dict[str, Tensor]:
        """(B, 3, H, W) -> {network: (B, D)}; a shared trunk runs once for both networks."""
        if self.share_backbone:
            features = self.backbones["shared"](images)
            return {network: features for network in self.networks}
        return {network: self.backbones[network](images) for network in self.networks}

    def forward_head(self, features: dict[str, Tensor]) -> dict[str, Tensor]:
        outputs = {}
        if "polarity" in self.networks:
            outputs["polarity_logits"] = self.polarity_head(features["polarity"])
        if "emotion" in self.networks:
            fused = self.fusion(features["emotion"], features.get("polarity"))
            outputs["emotion_logits"] = self.emotion_head(fused)
            outputs.setdefault(
                "polarity_logits", implied_polarity_log_probs(outputs["emotion_logits"], self.polarity_matrix)
            )
        return outputs

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        return self.forward_head(self.forward_features(images))

    def polarity_modules(self) -> list[nn.Module]:
        """The polarity network: its head, and its backbone unless the trunk is shared."""
        own_backbone = [] if self.share_backbone else [self.backbones["polarity"]]
        return own_backbone + [self.polarity_head]

    def freeze_polarity(self) -> None:
        """Stop training the polarity network: no gradients, batch-norm statistics fixed."""
        self.polarity_frozen = True
        for module in self.polarity_modules():
            module.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> AssistedEmotionNet:
        super().train(mode)
        if self.polarity_frozen:
            for module in self.polarity_modules():
                module.eval()
        return self


def _check(networks: Sequence[str], fusion: str, share_backbone: bool) -> tuple[str, ...]:
    networks = tuple(networks)
    if not networks or set(networks) - set(NETWORKS):
        raise ValueError(f"model.networks={list(networks)}; choose from {list(NETWORKS)}")
    if fusion not in FUSIONS:
        raise ValueError(f"model.fusion='{fusion}'; choose one of {list(FUSIONS)}")
    if fusion != "none" and set(networks) != set(NETWORKS):
        raise ValueError(f"model.fusion='{fusion}' needs both networks; set model.fusion=none")
    if fusion != "none" and share_backbone:
        raise ValueError(
            f"model.fusion='{fusion}' has nothing to add with model.share_backbone=true "
            "(both heads already see the same features); set model.fusion=none"
        )
    return networks
