import math

import pytest
import torch

from emotion.models.loss import AssistedLoss
from emotion.taxonomy import MIKELS

K = MIKELS.num_emotions


EMOTION = math.log(K)  # uniform over K classes
POLARITY = -math.log(0.8)
# the uniform emotion head implies polarity (0.5, 0.5): KL((0.8, 0.2) ‖ (0.5, 0.5))
CONSISTENCY = 0.8 * math.log(0.8 / 0.5) + 0.2 * math.log(0.2 / 0.5)


def outputs_and_batch():
    """Uniform emotion logits, a polarity head at p = (0.8, 0.2), one negative 'anger' image."""
    outputs = {
        "emotion_logits": torch.zeros(1, K),
        "polarity_logits": torch.tensor([[math.log(0.8), math.log(0.2)]]),
    }
    batch = {"emotion": torch.tensor([MIKELS.index("anger")]), "polarity": torch.tensor([0])}
    return outputs, batch


def test_each_term_matches_its_hand_computed_value():
    outputs, batch = outputs_and_batch()
    losses = AssistedLoss(MIKELS.polarity_matrix, polarity_weight=0.5, consistency_weight=2.0)(outputs, batch)
    assert losses["emotion"].item() == pytest.approx(EMOTION)
    assert losses["polarity"].item() == pytest.approx(POLARITY)
    assert losses["consistency"].item() == pytest.approx(CONSISTENCY)
    assert losses["loss"].item() == pytest.approx(EMOTION + 0.5 * POLARITY + 2.0 * CONSISTENCY)


@pytest.mark.parametrize(
    "weights, expected_terms, expected_loss",
    [
        ({"polarity_weight": 0.0, "consistency_weight": 1.0}, {"emotion", "consistency"}, EMOTION + CONSISTENCY),
        ({"polarity_weight": 1.0, "consistency_weight": 0.0}, {"emotion", "polarity"}, EMOTION + POLARITY),
    ],
)
def test_a_zero_weight_switches_its_term_off_exactly(weights, expected_terms, expected_loss):
    outputs, batch = outputs_and_batch()
    losses = AssistedLoss(MIKELS.polarity_matrix, **weights)(outputs, batch)
    assert set(losses) - {"loss"} == expected_terms
    assert losses["loss"].item() == pytest.approx(expected_loss)


def test_switched_off_terms_are_not_even_computed():
    outputs, batch = outputs_and_batch()
    outputs["polarity_logits"] = torch.full((1, 2), float("nan"))  # would poison any term that used it
    losses = AssistedLoss(MIKELS.polarity_matrix, polarity_weight=0.0, consistency_weight=0.0)(outputs, batch)
    assert set(losses) == {"loss", "emotion"}
    assert losses["loss"].item() == pytest.approx(EMOTION)


def test_warmup_trains_the_polarity_network_alone():
    outputs, batch = outputs_and_batch()
    losses = AssistedLoss(MIKELS.polarity_matrix, polarity_weight=0.3, consistency_weight=1.0)(
        outputs, batch, warmup=True
    )
    assert set(losses) == {"loss", "polarity"}
    assert losses["loss"].item() == pytest.approx(POLARITY)


def test_soft_emotion_targets_are_accepted():
    outputs, batch = outputs_and_batch()
    batch["emotion"] = torch.full((1, K), 1.0 / K)
    losses = AssistedLoss(MIKELS.polarity_matrix, polarity_weight=0.0)(outputs, batch)
    assert losses["emotion"].item() == pytest.approx(EMOTION)


def test_all_terms_off_is_an_error_that_names_the_key():
    outputs, batch = outputs_and_batch()
    del outputs["emotion_logits"]
    with pytest.raises(ValueError, match="model.loss.polarity_weight"):
        AssistedLoss(MIKELS.polarity_matrix, polarity_weight=0.0)(outputs, batch)
