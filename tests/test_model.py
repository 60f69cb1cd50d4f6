import pytest
import torch

from emotion.models.assisted import AssistedEmotionNet
from emotion.models.backbones import build_backbone
from emotion.models.loss import AssistedLoss
from emotion.taxonomy import MIKELS

IMAGES = torch.randn(4, 3, 32, 32)
BATCH = {"emotion": torch.tensor([0, 1, 2, 3]), "polarity": MIKELS.polarity_of[torch.tensor([0, 1, 2, 3])]}


def net(**kwargs) -> AssistedEmotionNet:
    torch.manual_seed(0)
    return AssistedEmotionNet(MIKELS, "resnet18", **kwargs)


@pytest.mark.parametrize(
    "kwargs, emotion_in_features",
    [
        ({"fusion": "none"}, 512),
        ({"fusion": "concat"}, 1024),
        ({"fusion": "gate"}, 512),
        ({"fusion": "none", "share_backbone": True}, 512),
        ({"networks": ["emotion"], "fusion": "none"}, 512),
    ],
)
def test_fusion_shapes(kwargs, emotion_in_features):
    model = net(**kwargs)
    outputs = model(IMAGES)
    assert outputs["emotion_logits"].shape == (4, MIKELS.num_emotions)
    assert outputs["polarity_logits"].shape == (4, 2)
    assert model.emotion_head[-1].in_features == emotion_in_features


def test_a_shared_trunk_is_one_backbone():
    assert list(net(fusion="none", share_backbone=True).backbones) == ["shared"]
    assert list(net().backbones) == ["polarity", "emotion"]


def test_polarity_only_has_no_emotion_head():
    outputs = net(networks=["polarity"], fusion="none")(IMAGES)
    assert set(outputs) == {"polarity_logits"}


def test_emotion_only_reports_the_polarity_its_emotions_imply():
    outputs = net(networks=["emotion"], fusion="none")(IMAGES)
    implied = outputs["emotion_logits"].softmax(-1) @ MIKELS.polarity_matrix.T
    torch.testing.assert_close(outputs["polarity_logits"].exp(), implied)


def gradient_reaches(model: AssistedEmotionNet, **loss_weights) -> dict[str, bool]:
    model.zero_grad()
    loss = AssistedLoss(MIKELS.polarity_matrix, **loss_weights)(model(IMAGES), BATCH)["loss"]
    loss.backward()
    return {
        name: any(p.grad is not None and p.grad.abs().sum() > 0 for p in backbone.parameters())
        for name, backbone in model.backbones.items()
    }


def test_gradients_reach_both_networks_when_coupled():
    assert gradient_reaches(net(fusion="concat"), polarity_weight=1.0) == {"polarity": True, "emotion": True}
    # no fusion, no polarity term: only the consistency term couples the polarity network
    assert gradient_reaches(net(fusion="none"), polarity_weight=0.0, consistency_weight=1.0) == {
        "polarity": True,
        "emotion": True,
    }


def test_uncoupled_polarity_network_gets_no_gradient():
    assert gradient_reaches(net(fusion="none"), polarity_weight=0.0, consistency_weight=0.0) == {
        "polarity": False,
        "emotion": True,
    }


def test_a_frozen_polarity_network_gets_no_gradient_and_keeps_its_statistics():
    model = net(fusion="concat")
    model.freeze_polarity()
    model.train()
    running_mean = model.backbones["polarity"].bn1.running_mean.clone()
    assert gradient_reaches(model, polarity_weight=1.0, consistency_weight=1.0) == {"polarity": False, "emotion": True}
    assert all(p.grad is None for p in model.polarity_head.parameters())
    assert not model.backbones["polarity"].training and model.backbones["emotion"].training
    torch.testing.assert_close(model.backbones["polarity"].bn1.running_mean, running_mean)


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"fusion": "sum"}, "model.fusion"),
        ({"networks": ["emotion"], "fusion": "concat"}, "model.fusion"),
        ({"fusion": "gate", "share_backbone": True}, "model.share_backbone"),
        ({"networks": ["style"]}, "model.networks"),
    ],
)
def test_invalid_combinations_name_the_config_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        net(**kwargs)


@pytest.mark.parametrize("name", ["resnet18", "vgg16", "resnet50", "resnet10t"])
def test_backbones_produce_features_of_the_declared_size(name):
    backbone, dim = build_backbone(name)
    assert backbone.eval()(torch.randn(2, 3, 32, 32)).shape == (2, dim)


def test_unfetchable_pretrained_weights_say_how_to_train_without_them():
    # no network here, and TORCH_HOME is an empty session folder (conftest)
    with pytest.raises(RuntimeError, match="backbone.pretrained=false"):
        build_backbone("resnet18", pretrained=True)


def test_unknown_backbone_names_the_choices():
    with pytest.raises(ValueError, match="resnet50"):
        build_backbone("resnet_nonexistent")
