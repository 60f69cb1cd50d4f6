"""AssistedLoss: L = CE(emotion) + λp·CE(polarity) + λc·KL(polarity head ‖ polarity implied by emotions)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from emotion.models.hierarchy import consistency_kl


class AssistedLoss(nn.Module):
    """A weight of 0 switches its term off entirely: it is neither computed nor added."""

    def __init__(self, polarity_matrix: Tensor, polarity_weight: float = 1.0, consistency_weight: float = 0.0):
        super().__init__()
        self.register_buffer("polarity_matrix", polarity_matrix, persistent=False)
        self.polarity_weight = polarity_weight
        self.consistency_weight = consistency_weight

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
            terms["emotion"] = F.cross_entropy(outputs["emotion_logits"], batch["emotion"])
        if weights["polarity"]:
            terms["polarity"] = F.cross_entropy(outputs["polarity_logits"], batch["polarity"])
        if weights["consistency"]:
            terms["consistency"] = consistency_kl(
                outputs["polarity_logits"], outputs["emotion_logits"], self.polarity_matrix
            )
        if not terms:
            raise ValueError("Every loss term is switched off; raise model.loss.polarity_weight above 0")
        return {"loss": sum(weights[name] * term for name, term in terms.items()), **terms}
