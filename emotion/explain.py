"""emotion-explain: where in each image the network found its predicted emotion, as a class-activation
heat map (Grad-CAM and its relatives from pytorch_grad_cam), saved as PNG."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import hydra
import numpy as np
import pytorch_grad_cam
import torch
from omegaconf import DictConfig
from pytorch_grad_cam.base_cam import BaseCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from rich.progress import track
from torch import Tensor, nn

from emotion import CONFIG_DIR, plots
from emotion.checkpoints import InferenceModel, load_checkpoint
from emotion.predict import expand_inputs, good_images, image_batches, prediction, resolve_device, unbatch
from emotion.runs import register_resolvers

register_resolvers()
log = logging.getLogger(__name__)


class HeadLogits(nn.Module):
    """One head's (B, C) logits: the class scores that pytorch_grad_cam differentiates."""

    def __init__(self, net: nn.Module, head: str):
        super().__init__()
        self.net, self.head = net, head

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)[f"{self.head}_logits"]


def deepest_feature_map(backbone: nn.Module, image_size: int) -> nn.Module:
    """The last module whose output is still a spatial map (B, C, h, w) with more than one position:
    Grad-CAM's usual layer (layer4 of a ResNet at 224 px; layer3 at 32 px, where layer4 is 1 x 1)."""
    found = []

    def record(module: nn.Module, inputs, output) -> None:
        if isinstance(output, Tensor) and output.ndim == 4 and output.shape[-1] * output.shape[-2] > 1:
            found.append(module)

    hooks = [module.register_forward_hook(record) for module in backbone.modules()]
    with torch.no_grad():
        backbone(torch.zeros(1, 3, image_size, image_size, device=next(backbone.parameters()).device))
    for hook in hooks:
        hook.remove()
    if not found:
        raise ValueError("The backbone has no spatial feature map to explain; name one with target_layer=<module>")
    return found[-1]


def cam_method(name: str, model: InferenceModel, target_layer: str | None, image_size: int) -> BaseCAM:
    """pytorch_grad_cam's `name` (GradCAM, GradCAMPlusPlus, LayerCAM, ...) on the first head's network."""
    method = getattr(pytorch_grad_cam, name, None)
    if not (isinstance(method, type) and issubclass(method, BaseCAM)):
        raise ValueError(f"method={name}: not a CAM method of pytorch_grad_cam (GradCAM, GradCAMPlusPlus, ...)")
    net, head = model.net, model.heads[0]
    backbone = net.backbones["shared" if net.share_backbone else head]
    layer = backbone.get_submodule(target_layer) if target_layer else deepest_feature_map(backbone, image_size)
    return method(model=HeadLogits(net, head), target_layers=[layer])


def output_names(paths: list[Path]) -> dict[str, str]:
    """A PNG name per distinct input: its stem, numbered where two inputs share one."""
    seen, names = Counter(), {}
    for path in dict.fromkeys(map(str, paths)):
        stem = Path(path).stem
        seen[stem] += 1
        names[path] = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
    return names


def to_display(images: Tensor, mean, std) -> np.ndarray:
    """(B, 3, H, W) normalised -> (B, H, W, 3) in [0, 1]: the images as the network sees them."""
    images = images.cpu() * torch.tensor(std)[:, None, None] + torch.tensor(mean)[:, None, None]
    return images.clamp(0, 1).permute(0, 2, 3, 1).numpy()


def class_activations(cam: BaseCAM, model: InferenceModel, images: Tensor) -> tuple[np.ndarray, list[str]]:
    """(G, H, W) heat maps in [0, 1] for each image's predicted class, and captions naming the predictions."""
    with torch.no_grad():
        probs = model.probabilities(images)
    # the gated prediction, as emotion-predict gives it, which may differ from the argmax of the logits
    targets = [ClassifierOutputTarget(int(c)) for c in probs[model.heads[0]].argmax(-1)]
    rows = [prediction(model, image_probs, top_k=1) for image_probs in unbatch(probs)]
    captions = [", ".join(f"{row[head]} ({row[f'{head}_prob']:.2f})" for head in model.heads) for row in rows]
    return cam(images, targets=targets), captions


def explain(cfg: DictConfig) -> list[Path]:
    """One PNG per readable input in cfg.out_dir; unreadable files are logged and skipped."""
    module, datamodule = load_checkpoint(cfg.ckpt)
    device = resolve_device(cfg.device)
    model = InferenceModel(module).to(device)
    paths = expand_inputs(cfg.inputs)
    names, written, hp = output_names(paths), [], datamodule.hparams
    batches = track(image_batches(paths, datamodule, cfg.batch_size, cfg.num_workers), description="Explaining")
    with cam_method(cfg.method, model, cfg.target_layer, hp.image_size) as cam:  # removes its hooks after
        for items in batches:
            for bad in (item for item in items if item.error):
                log.warning("Skipped %s: %s", bad.path, bad.error)
            if (images := good_images(items, device)) is None:
                continue
            heat_maps, captions = class_activations(cam, model, images)
            good = [item for item in items if not item.error]
            shown = to_display(images, hp.mean, hp.std)
            for item, image, heat_map, caption in zip(good, shown, heat_maps, captions, strict=True):
                name = names[item.path]
                path = Path(cfg.out_dir) / f"{name}.png"
                written.append(plots.class_activation(image, heat_map, f"{name}: {caption}", path))
    log.info("%d heat map(s) in %s", len(written), cfg.out_dir)
    return written


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="explain")
def main(cfg: DictConfig) -> None:
    explain(cfg)


if __name__ == "__main__":
    main()
