"""AssistedLoss: L = CE(emotion) + λp·CE(polarity) + λc·KL(polarity head ‖ polarity implied by emotions)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from emotion.models.hierarchy import consistency_kl

CLASS_WEIGHTS = ("none", "inverse_frequency")


class AssistedLoss(nn.Module):
    """A weight of 0 switches its term off entirely: it is neither computed nor added."""

    def __init__(
        self,
        polarity_matrix: Tensor,
        polarity_weight: float = 1.0,
        consistency_weight: float = 0.0,
        class_weights: str = "none",
    ):
        super().__init__()
        if class_weights not in CLASS_WEIGHTS:
            raise ValueError(f"model.loss.class_weights='{class_weights}'; choose one of {list(CLASS_WEIGHTS)}")
        self.register_buffer("polarity_matrix", polarity_matrix, persistent=False)
        self.register_buffer("emotion_class_weight", None, persistent=False)
        self.polarity_weight = polarity_weight
        self.consistency_weight = consistency_weight
        self.class_weights = class_weights

    def fit_class_weights(self, class_counts: Tensor) -> None:
        """inverse_frequency: each emotion weighs N / (K · count), so rare emotions count as much as common ones."""
        if self.class_weights == "inverse_frequency":
            counts = class_counts.float().clamp(min=1)
            self.emotion_class_weight = counts.sum() / (len(counts) * counts)

    def forward(self, outputs: dict[str, Tensor], batch: dict[str, Tensor], warmup: bool = False) -> dict[str, Tensor]:
        """{"loss": total, plus each active term}. During warm-up only the polarity network learns."""
        has_emotion = "emotion_logits" in outputs
        weights = {
            "emotion": float(has_emotion and not warmup),
            "polarity": 1.0 if warmup else self.polarity_weight,
            "consistency": 0.0 if warmup or not has_emotion else self.consistency_weight,
        }
        terms = {}
        if weights["emotion"]:
            # soft targets (per-emotion probabilities) where the data has them, else the label
            target = batch.get("emotion_distribution", batch["emotion"])
            terms["emotion"] = F.cross_entropy(outputs["emotion_logits"], target, weight=self.emotion_class_weight)
        if weights["polarity"]:
            terms["polarity"] = F.cross_entropy(outputs["polarity_logits"], batch["polarity"])
        if weights["consistency"]:
            terms["consistency"] = consistency_kl(
                outputs["polarity_logits"], outputs["emotion_logits"], self.polarity_matrix
            )
        if not terms:
            raise ValueError("Every loss term is switched off; raise model.loss.polarity_weight above 0")
        return {"loss": sum(weights[name] * term for name, term in terms.items()), **terms}
