"""Figures saved as PNG: confusion matrices, reliability diagrams and class-activation maps.

Figures are built with matplotlib's object-oriented API and rendered by the Agg backend, so they
need no display and never touch pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from torch import Tensor
from torchmetrics.classification import MulticlassConfusionMatrix

DPI = 120


def save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path


def confusion_matrix(confusion: MulticlassConfusionMatrix, labels: Sequence[str], title: str, path: Path) -> Path:
    """Rows: the true class, normalised to sum to one; columns: the predicted class."""
    side = 2.5 + 0.6 * len(labels)  # inches: room for the labels, and for each cell's number
    figure = Figure(figsize=(side + 1, side), layout="constrained")
    axes = figure.subplots()
    confusion.plot(ax=axes, labels=list(labels), cmap="Blues")
    axes.images[0].set_clim(0, 1)  # one scale for every matrix, so two runs' plots compare by eye
    for text in axes.texts:
        text.set_fontsize(10)
    figure.colorbar(axes.images[0], ax=axes, label="fraction of the true class")
    axes.set_title(title)
    return save(figure, path)


def reliability_diagram(probs: Tensor, labels: Tensor, n_bins: int, title: str, path: Path) -> Path:
    """Accuracy against confidence (the top probability) in equal-width bins, coloured by how many
    predictions fall in each bin; a calibrated model's bars follow the diagonal."""
    confidence, predicted = probs.max(-1)
    bins = (confidence * n_bins).long().clamp(max=n_bins - 1)  # (N,) a confidence of 1 joins the last bin
    counts = bins.bincount(minlength=n_bins)
    accuracy = bins.bincount((predicted == labels).float(), minlength=n_bins) / counts.clamp(min=1)
    colours = ScalarMappable(Normalize(0, counts.max().item()), colormaps["viridis"])
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.subplots()
    edges = np.linspace(0, 1, n_bins + 1)
    axes.bar(edges[:-1], accuracy, width=1 / n_bins, align="edge", color=colours.to_rgba(counts), edgecolor="black")
    axes.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    axes.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="confidence (top probability)", ylabel="accuracy", title=title)
    axes.legend(loc="best")
    figure.colorbar(colours, ax=axes, label="predictions in the bin")
    return save(figure, path)


def class_activation(image: np.ndarray, heat_map: np.ndarray, title: str, path: Path) -> Path:
    """The image as the network sees it, beside it the heat map laid over it; both (H, W[, 3]) in [0, 1]."""
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    plain, overlaid = figure.subplots(1, 2)
    plain.imshow(image)
    overlaid.imshow(image)
    overlaid.imshow(heat_map, cmap="jet", alpha=0.45, vmin=0, vmax=1)
    for axes, name in ((plain, "input"), (overlaid, "class activation")):
        axes.set_title(name)
        axes.set_axis_off()
    scale = ScalarMappable(Normalize(0, 1), colormaps["jet"])  # opaque, unlike the overlay
    figure.colorbar(scale, ax=overlaid, label="activation (normalised)")
    figure.suptitle(title)
    return save(figure, path)
