"""emotion-report on run directories: swept keys found, seeds averaged, a bar chart written."""

import json

import pytest
from omegaconf import OmegaConf
from PIL import Image

from emotion.report import local_runs, summarize, swept_keys, wandb_query

from .conftest import compose_train, run_cli


def fake_run(root, name, overrides, accuracy):
    """A run directory as emotion-train leaves it: the resolved config and the results."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    cfg = compose_train(run_dir, *overrides)
    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    (run_dir / "results.json").write_text(json.dumps({"test/emotion_acc": accuracy, "test/polarity_acc": 0.9}))


@pytest.fixture
def sweep(tmp_path):
    for seed, (a, b) in enumerate([(0.60, 0.70), (0.64, 0.74)]):
        fake_run(tmp_path, f"w0-s{seed}", ["model.loss.polarity_weight=0", f"seed={seed}"], a)
        fake_run(tmp_path, f"w1-s{seed}", ["model.loss.polarity_weight=1", f"seed={seed}"], b)
    return tmp_path


def test_swept_keys_are_found_and_seeds_averaged(sweep):
    runs = local_runs([sweep])
    keys = swept_keys(runs)
    assert keys == ["model.loss.polarity_weight"]  # seed and run paths differ too, but are not a configuration
    rows = summarize(runs, keys, ("test/emotion_acc",))
    assert [(r["config"]["model.loss.polarity_weight"], r["seeds"]) for r in rows] == [(0.0, 2), (1.0, 2)]
    mean, std = rows[1]["test/emotion_acc"]
    assert mean == pytest.approx(0.72) and std == pytest.approx(0.0283, abs=1e-4)


def test_the_command_prints_the_table_and_writes_the_chart(sweep):
    result = run_cli("emotion-report", str(sweep), "--out", str(sweep / "chart.png"), cwd=sweep)
    assert "0.7200 ± 0.0283" in result.stdout and "model.loss.polarity_weight" in result.stdout
    markdown = run_cli("emotion-report", str(sweep), "--markdown", "--out", str(sweep / "chart.png"), cwd=sweep)
    assert "| 1 | 2 | 0.7200 ± 0.0283 |  | 0.9000 ± 0.0000 |" in markdown.stdout  # no F1 in these runs
    assert Image.open(sweep / "chart.png").size[0] >= 600


def test_no_runs_is_a_clear_error(tmp_path):
    import subprocess

    from .conftest import BIN

    result = subprocess.run([str(BIN / "emotion-report"), str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0 and "no runs" in result.stderr


def test_a_wandb_path_names_the_project_and_optionally_a_group():
    assert wandb_query("me/emotion") == ("me/emotion", {})
    assert wandb_query("me/emotion/assist_ablation") == ("me/emotion", {"group": "assist_ablation"})
