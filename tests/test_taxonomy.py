import pytest
import torch

from emotion.models.hierarchy import gated_emotion_log_probs, implied_polarity_log_probs
from emotion.taxonomy import BINARY, EKMAN, MIKELS, get_taxonomy


def test_mikels_has_four_emotions_of_each_polarity():
    assert MIKELS.emotions == ("amusement", "anger", "awe", "contentment", "disgust", "excitement", "fear", "sadness")
    positive = [e for e, p in zip(MIKELS.emotions, MIKELS.polarity_of.tolist(), strict=True) if p == 1]
    assert positive == ["amusement", "awe", "contentment", "excitement"]


def test_ekman_counts_joy_and_surprise_as_positive():
    assert EKMAN.num_emotions == 6
    assert {e for e, p in zip(EKMAN.emotions, EKMAN.polarity_of.tolist(), strict=True) if p} == {"joy", "surprise"}


def test_binary_emotions_are_the_polarities():
    assert BINARY.emotions == ("negative", "positive")
    assert torch.equal(BINARY.polarity_matrix, torch.eye(2))


@pytest.mark.parametrize("taxonomy", [MIKELS, EKMAN, BINARY])
def test_polarity_matrix_puts_every_emotion_in_exactly_one_polarity(taxonomy):
    matrix = taxonomy.polarity_matrix
    assert matrix.shape == (2, taxonomy.num_emotions)
    assert torch.equal(matrix.sum(0), torch.ones(taxonomy.num_emotions))
    assert torch.equal(matrix[1], taxonomy.polarity_of.float())


def test_implied_polarity_sums_emotion_probabilities_per_polarity():
    logits = torch.randn(5, MIKELS.num_emotions)
    expected = logits.softmax(-1) @ MIKELS.polarity_matrix.T  # (5, 2)
    implied = implied_polarity_log_probs(logits, MIKELS.polarity_matrix).exp()
    torch.testing.assert_close(implied, expected)


def test_polarity_gate_moves_the_prediction_to_the_polarity_heads_side():
    # the emotion head slightly prefers anger (negative); the polarity head is sure it is positive
    emotion_logits = torch.zeros(1, MIKELS.num_emotions)
    emotion_logits[0, MIKELS.index("anger")] = 0.5
    polarity_logits = torch.tensor([[-3.0, 3.0]])
    ungated = gated_emotion_log_probs(emotion_logits, polarity_logits, MIKELS.polarity_of, gate=0.0)
    gated = gated_emotion_log_probs(emotion_logits, polarity_logits, MIKELS.polarity_of, gate=1.0)
    torch.testing.assert_close(ungated, emotion_logits.log_softmax(-1))
    assert MIKELS.emotions[ungated.argmax()] == "anger"
    assert MIKELS.polarity_of[gated.argmax()] == 1
    torch.testing.assert_close(gated.exp().sum(), torch.tensor(1.0))


def test_names_are_case_insensitive_and_unknown_taxonomies_are_named():
    assert MIKELS.index("Fear") == MIKELS.emotions.index("fear")
    with pytest.raises(ValueError, match="mikels"):
        get_taxonomy("plutchik")
