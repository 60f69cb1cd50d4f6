"""emotion-export: a checkpoint as an ONNX or TorchScript inference model, with a model card beside it.

The exported model maps preprocessed images (batch, 3, H, W) of any batch size to the probabilities of
each head, as `emotion-predict` computes them.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from pathlib import Path

import hydra
import torch
from omegaconf import DictConfig

from emotion import CONFIG_DIR
from emotion.checkpoints import InferenceModel, inference_transform, read_checkpoint, restore
from emotion.data.datamodule import EmotionDataModule
from emotion.runs import read_results, register_resolvers, run_dir_of

register_resolvers()
log = logging.getLogger(__name__)


def export_onnx(model: InferenceModel, example: torch.Tensor, path: Path) -> None:
    batch = torch.export.Dim("batch")
    torch.onnx.export(
        model,
        (example,),
        path,
        input_names=["image"],
        output_names=list(model.heads),
        dynamic_shapes={"images": {0: batch}},
        dynamo=True,
        external_data=False,  # one self-contained file (up to protobuf's 2 GB)
    )


def export_torchscript(model: InferenceModel, example: torch.Tensor, path: Path) -> None:
    torch.jit.trace(model, example).save(str(path))


EXPORTERS = {"onnx": (export_onnx, ".onnx"), "torchscript": (export_torchscript, ".torchscript.pt")}

USAGE = {
    "onnx": 'import onnxruntime\n\nsession = onnxruntime.InferenceSession("{file}")\n'
    '{outputs} = session.run(None, {{"image": images}})  # images: float32 numpy array',
    "torchscript": 'import torch\n\nmodel = torch.jit.load("{file}")\n'
    "{outputs} = model(images)  # images: float32 tensor",
}


def export(cfg: DictConfig) -> Path:
    """Write the inference model and its model card (<file>.md) to cfg.out_dir; returns the model's path."""
    if cfg.format not in EXPORTERS:
        raise ValueError(f"format={cfg.format}; choose one of {sorted(EXPORTERS)}")
    checkpoint = read_checkpoint(cfg.ckpt)
    module, datamodule = restore(checkpoint, cfg.ckpt)
    model = InferenceModel(module)
    exporter, suffix = EXPORTERS[cfg.format]
    path = Path(cfg.out_dir) / f"{Path(cfg.ckpt).stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    size = datamodule.hparams.image_size
    # a batch of two: the exporters would fix a batch of one as a constant
    exporter(model, torch.zeros(2, 3, size, size), path)
    card = path.with_name(f"{path.name}.md")
    card.write_text(model_card(cfg, checkpoint, model, datamodule, path))
    log.info("Exported %s and its model card %s", path, card)
    return path


def model_card(cfg: DictConfig, checkpoint: dict, model: InferenceModel, datamodule: EmotionDataModule, path: Path):
    """Markdown: what the model is, what goes in and comes out, what it was trained on, how well it did."""
    run_dir = run_dir_of(cfg.ckpt)
    sections = {
        "Model": model_section(checkpoint["hyper_parameters"], model),
        "Inputs and outputs": io_section(model, datamodule),
        "Taxonomy": taxonomy_section(model),
        "Training data": f"`{datamodule.hparams.source}` from `{datamodule.hparams.root}`; {split_sizes(run_dir)}.",
        "Metrics of the training run": markdown_results(read_results(run_dir)),
        "Use": "```python\n" + USAGE[cfg.format].format(file=path.name, outputs=", ".join(model.heads)) + "\n```",
    }
    intro = (
        "Image emotion recognition by assisted learning (He & Zhang, Neurocomputing 291, 2018): a polarity "
        "network (is the evoked emotion positive or negative?) assists an emotion network. Exported by "
        f"`emotion-export` as {cfg.format} from `{cfg.ckpt}` "
        f"(epoch {checkpoint.get('epoch')}, step {checkpoint.get('global_step')})."
    )
    body = "\n\n".join(f"## {title}\n\n{text}" for title, text in sections.items())
    return f"# Model card: {path.name}\n\n{intro}\n\n{body}\n"


def model_section(hp: dict, model: InferenceModel) -> str:
    backbone = hp["backbone"]
    rows = {
        "backbone": f"`{backbone['name']}` (ImageNet-pretrained: {'yes' if backbone['pretrained'] else 'no'}), "
        + ("one shared by both networks" if hp.get("share_backbone") else "one per network"),
        "networks": ", ".join(hp["networks"]),
        "feature assist (fusion)": hp["fusion"],
        "loss weights": ", ".join(f"{name} = {value}" for name, value in (hp.get("loss") or {}).items()),
        "hierarchical inference": f"β = {model.polarity_gate}: p(e) ∝ p_emotion(e) · p_polarity(pol(e))^β",
    }
    return "\n".join(["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows.items())])


def io_section(model: InferenceModel, datamodule: EmotionDataModule) -> str:
    size = datamodule.hparams.image_size
    outputs = [
        f"- `{head}`: float32 (batch, {len(model.class_names[head])}), the probability of each {head} class, "
        "in the order of the tables below"
        for head in model.heads
    ]
    image = f"- `image`: float32 (batch, 3, {size}, {size}), RGB, any batch size, preprocessed as in evaluation:"
    return "\n".join([image, "", "```", str(inference_transform(datamodule)), "```", "", *outputs])


def taxonomy_section(model: InferenceModel) -> str:
    polarity_names = model.class_names["polarity"]
    polarity_of = model.polarity_of.tolist()
    rows = (
        f"| {index} | {emotion} | {polarity_names[polarity_of[index]]} |"
        for index, emotion in enumerate(model.class_names["emotion"])
    )
    polarity_classes = ", ".join(f"{index} {name}" for index, name in enumerate(polarity_names))
    table = "\n".join(["| index | emotion | polarity |", "|---:|---|---|", *rows])
    return f"{table}\n\nPolarity classes: {polarity_classes}."


def split_sizes(run_dir: Path) -> str:
    path = run_dir / "splits.csv"
    if not path.is_file():
        return "split unknown (no splits.csv in the checkpoint's run directory)"
    with path.open(newline="") as f:
        counts = Counter(row["split"] for row in csv.DictReader(f))
    return "split (images): " + ", ".join(f"{name} {count}" for name, count in counts.items())


def markdown_results(results: dict[str, float] | None) -> str:
    """One row per metric, one column per stage, as the console's table."""
    if not results:
        return "No results.json in the checkpoint's run directory."
    stages = [stage for stage in ("train", "val", "test") if any(key.startswith(f"{stage}/") for key in results)]
    names = sorted({key.split("/", 1)[1] for key in results if key.count("/") == 1})
    cell = lambda stage, name: f"{results[f'{stage}/{name}']:.4f}" if f"{stage}/{name}" in results else ""  # noqa: E731
    rows = (f"| {name} | " + " | ".join(cell(stage, name) for stage in stages) + " |" for name in names)
    return "\n".join([f"| metric | {' | '.join(stages)} |", "|---|" + "---:|" * len(stages), *rows])


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="export")
def main(cfg: DictConfig) -> None:
    export(cfg)


if __name__ == "__main__":
    main()
