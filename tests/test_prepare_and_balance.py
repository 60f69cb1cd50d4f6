"""Prepared copies, class imbalance, duplicates and soft targets: what the datamodule does beyond reading."""

import math
from collections import Counter

import torch
from PIL import Image

from emotion.data.datamodule import EmotionDataModule
from emotion.data.prepare import prepared_root
from emotion.models.loss import AssistedLoss
from emotion.taxonomy import EKMAN, MIKELS
from emotion.train import train

from . import datasets
from .conftest import compose_train, read_results, run_cli


def test_prepare_writes_a_resized_copy_incrementally_and_training_uses_it(tmp_path):
    root = datasets.class_folders(tmp_path / "FI", MIKELS.emotions, per_class=3)
    datasets.write_image(root / "Fear" / "big.jpg", size=600)
    args = ["data=fi", f"data.root={root}", "short_side=64", f"paths.data_dir={tmp_path / 'cache'}"]
    first = run_cli("emotion-prepare", *args, cwd=tmp_path)
    copy = prepared_root(tmp_path / "cache" / "prepared", root)
    assert "Prepared 25 images" in first.stdout
    assert min(Image.open(copy / "Fear" / "big.jpg").size) == 64
    assert Image.open(copy / "Fear" / "001.png").size == (48, 40)  # small images are not enlarged
    assert (copy / "Fear" / "000.jpg").read_bytes() == (root / "Fear" / "000.jpg").read_bytes()  # nor recompressed
    mtime = (copy / "Fear" / "big.jpg").stat().st_mtime_ns
    run_cli("emotion-prepare", *args, cwd=tmp_path)
    assert (copy / "Fear" / "big.jpg").stat().st_mtime_ns == mtime  # up to date: not rewritten

    dm = EmotionDataModule("fi", str(root), "mikels", str(tmp_path / "run"), image_size=32, num_workers=0,
                           prepared_dir=str(tmp_path / "cache" / "prepared"))  # fmt: skip
    assert dm.image_root == copy


def test_balanced_sampler_draws_every_emotion_equally_often(tmp_path):
    root = datasets.class_folders(tmp_path / "FI", MIKELS.emotions, per_class=4)
    for i in range(4, 40):  # contentment ten times as common
        datasets.write_image(root / "Contentment" / f"extra{i}.jpg")
    dm = EmotionDataModule("fi", str(root), "mikels", str(tmp_path / "run"), image_size=16, batch_size=512,
                           num_workers=0, sampler="balanced")  # fmt: skip
    dm.prepare_data()
    dm.setup()
    torch.manual_seed(0)
    drawn = Counter(e for _ in range(5) for e in next(iter(dm.train_dataloader()))["emotion"].tolist())
    share = drawn[MIKELS.index("contentment")] / sum(drawn.values())
    assert share < 0.25  # about 1/8; shuffling would give it more than half of the draws
    counts = dm.class_counts()
    assert counts[MIKELS.index("contentment")] > 5 * counts[MIKELS.index("fear")]


def test_inverse_frequency_weights_make_rare_emotions_count_as_much():
    loss = AssistedLoss(MIKELS.polarity_matrix, class_weights="inverse_frequency")
    loss.fit_class_weights(torch.tensor([10, 10, 10, 40, 10, 10, 10, 10]))
    weight = loss.emotion_class_weight
    assert weight[3] * 40 == weight[0] * 10  # each class's total weight is the same
    assert (weight * torch.tensor([10, 10, 10, 40, 10, 10, 10, 10])).sum() == 110


def test_the_same_picture_in_two_splits_is_reported(tmp_path):
    root = datasets.class_folders(tmp_path / "FI", MIKELS.emotions, per_class=12)
    for i in range(12):  # every amusement image also filed under awe
        (root / "Awe" / f"copy{i}.jpg").write_bytes(
            (root / "Amusement" / f"{i:03d}.{datasets.FORMATS[i % 5]}").read_bytes()
        )
    dm = EmotionDataModule("fi", str(root), "mikels", str(tmp_path / "run"), image_size=16, num_workers=0)
    dm.prepare_data()
    report = (tmp_path / "run" / "duplicate_images.csv").read_text()
    assert "Amusement/" in report and "Awe/copy" in report


def test_emotion6_with_soft_targets_trains_and_reports_a_distribution_metric(tmp_path):
    root = datasets.emotion6(tmp_path / "e6")
    cfg = compose_train(tmp_path / "run", "data=emotion6", f"data.root={root}", "data.label_mode=distribution",
                        "data.image_size=32", "data.batch_size=8", "debug=fast_dev_run")  # fmt: skip
    results, objects = train(cfg)
    assert 0 <= results["test/emotion_kl"] < math.inf  # KL(votes ‖ model): finite where an emotion got no vote
    assert {"test/emotion_acc", "test/polarity_acc"} <= set(read_results(tmp_path / "run"))
    assert objects["module"].taxonomy == EKMAN
