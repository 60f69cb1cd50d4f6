"""How the emotion head and the polarity head relate, through the taxonomy's (2, K) polarity matrix."""

from __future__ import annotations

import torch
from torch import Tensor


def implied_polarity_log_probs(emotion_logits: Tensor, polarity_matrix: Tensor) -> Tensor:
    """log p(polarity) implied by the emotion head: emotion probabilities summed per polarity.

    (B, K) logits, (2, K) 0/1 matrix -> (B, 2) log-probabilities, computed in log space for stability.
    """
    log_probs = emotion_logits.log_softmax(-1)
    return (log_probs[:, None, :] + polarity_matrix.log()).logsumexp(-1)  # (B, 2, K) -> (B, 2)


def gated_emotion_log_probs(
    emotion_logits: Tensor, polarity_logits: Tensor, polarity_of: Tensor, gate: float
) -> Tensor:
    """Hierarchical inference: p(e) ∝ p_emotion(e) · p_polarity(pol(e))^gate, as (B, K) log-probabilities."""
    log_probs = emotion_logits.log_softmax(-1)
    if gate:
        log_probs = log_probs + gate * polarity_logits.log_softmax(-1)[:, polarity_of]  # (B, K)
    return log_probs.log_softmax(-1)


def head_probabilities(outputs: dict[str, Tensor], polarity_of: Tensor, gate: float) -> dict[str, Tensor]:
    """(B, C) probabilities per head of the network's outputs; the emotion's gated by the polarity head (β = gate)."""
    probs = {"polarity": outputs["polarity_logits"].softmax(-1)}  # (B, 2)
    if "emotion_logits" in outputs:
        log_probs = gated_emotion_log_probs(outputs["emotion_logits"], outputs["polarity_logits"], polarity_of, gate)
        probs["emotion"] = log_probs.exp()  # (B, K)
    return probs


def consistency_kl(polarity_logits: Tensor, emotion_logits: Tensor, polarity_matrix: Tensor) -> Tensor:
    """KL(polarity head ‖ polarity implied by the emotion head), averaged over the batch."""
    return torch.nn.functional.kl_div(
        implied_polarity_log_probs(emotion_logits, polarity_matrix),
        polarity_logits.log_softmax(-1),
        log_target=True,
        reduction="batchmean",
    )
