"""emotion-export: ONNX and TorchScript models that compute what the PyTorch model does, with a model card."""

from pathlib import Path

import onnxruntime
import pytest
import torch

from emotion.checkpoints import InferenceModel, load_checkpoint
from emotion.export import export
from emotion.taxonomy import MIKELS

from .conftest import compose_config, read_results, run_cli
from .trained import trained_checkpoint

BATCH_SIZES = (1, 5)  # the exporters traced a batch of two: both must work


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def pytorch_model(ckpt) -> InferenceModel:
    return InferenceModel(load_checkpoint(ckpt)[0])


def batch(size: int) -> torch.Tensor:
    return torch.randn(size, 3, 32, 32, generator=torch.Generator().manual_seed(size))


def test_onnx_export_equals_pytorch_and_has_a_model_card(ckpt, pytorch_model, tmp_path):
    run_cli("emotion-export", f"ckpt={ckpt}", "format=onnx", f"out_dir={tmp_path}", cwd=tmp_path)
    session = onnxruntime.InferenceSession(tmp_path / "best.onnx")
    assert [output.name for output in session.get_outputs()] == ["emotion", "polarity"]
    for size in BATCH_SIZES:
        images = batch(size)
        with torch.no_grad():
            expected = pytorch_model(images)
        for got, want in zip(session.run(None, {"image": images.numpy()}), expected, strict=True):
            assert got.shape == tuple(want.shape)
            assert torch.from_numpy(got).sub(want).abs().max() < 1e-4
    card = (tmp_path / "best.onnx.md").read_text()
    assert all(f"| {emotion} |" in card for emotion in MIKELS.emotions)
    assert "`resnet18`" in card and "`synthetic`" in card and "(batch, 3, 32, 32)" in card
    assert f"{read_results(ckpt.parent.parent)['test/emotion_acc']:.4f}" in card  # the run's metrics


def test_torchscript_export_equals_pytorch(ckpt, pytorch_model, tmp_path):
    overrides = [f"ckpt={ckpt}", "format=torchscript", f"out_dir={tmp_path}"]
    scripted = torch.jit.load(export(compose_config("export", overrides)))
    for size in BATCH_SIZES:
        images = batch(size)
        with torch.no_grad():
            for got, want in zip(scripted(images), pytorch_model(images), strict=True):
                assert got.sub(want).abs().max() < 1e-4
    assert "torch.jit.load" in (tmp_path / "best.torchscript.pt.md").read_text()
