"""emotion-explain: a class-activation heat map per readable image, for its predicted emotion."""

from pathlib import Path

import pytest
import torch
from PIL import Image

from emotion.checkpoints import InferenceModel, inference_transform, load_checkpoint
from emotion.data.images import load_image
from emotion.explain import cam_method, class_activations, deepest_feature_map

from .conftest import run_cli
from .trained import image_folder, trained_checkpoint


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


def test_explain_writes_a_heat_map_per_readable_image_and_names_the_bad_files(ckpt, tmp_path):
    good, bad = image_folder(tmp_path / "photos")
    out = tmp_path / "maps"
    inputs = f"inputs=[{tmp_path / 'photos'}]"
    result = run_cli("emotion-explain", f"ckpt={ckpt}", inputs, f"out_dir={out}", cwd=tmp_path)
    assert sorted(path.name for path in out.glob("*.png")) == sorted(f"{path.stem}.png" for path in good)
    for path in out.glob("*.png"):
        with Image.open(path) as png:
            assert png.size == (960, 504)  # 8 x 4.2 inches at 120 dpi
            assert len(png.getcolors(maxcolors=1 << 20)) > 100, f"{path.name} looks blank"
    assert all(str(path) in result.stdout for path in bad)


def test_heat_maps_come_from_the_deepest_spatial_map_and_vary_over_the_image(ckpt, tmp_path):
    good, _ = image_folder(tmp_path / "photos")
    module, datamodule = load_checkpoint(ckpt)
    model = InferenceModel(module)
    images = torch.stack([inference_transform(datamodule)(load_image(path)) for path in good])
    backbone = model.net.backbones["emotion"]
    assert deepest_feature_map(backbone, 32) is backbone.layer3  # at 32 px layer4 is 1 x 1
    with cam_method("GradCAM", model, None, 32) as cam:
        heat_maps, captions = class_activations(cam, model, images)
    assert heat_maps.shape == (len(good), 32, 32) and heat_maps.min() >= 0 and heat_maps.max() <= 1
    assert any(heat_map.max() - heat_map.min() > 0.5 for heat_map in heat_maps)
    assert all(caption.split(" (")[0] in model.class_names["emotion"] for caption in captions)
