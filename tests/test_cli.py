"""The entry points through the real command line."""

import pytest

from .conftest import only_run_dir, read_results, run_cli

EMOTION_METRICS = {"test/emotion_acc", "test/emotion_f1", "test/polarity_acc"}


@pytest.mark.parametrize(
    "model, expected, absent",
    [
        ("assisted", EMOTION_METRICS | {"test/hierarchy_agreement", "test/loss_consistency"}, set()),
        ("emotion_only", EMOTION_METRICS, {"test/hierarchy_agreement", "test/loss_polarity"}),
        ("polarity_only", {"test/polarity_acc", "val/polarity_acc_best"}, {"test/emotion_acc"}),
    ],
)
def test_fast_dev_run_of_each_model(tmp_path, model, expected, absent):
    run_cli(
        "emotion-train",
        f"model={model}",
        "debug=fast_dev_run",
        "trainer=cpu",
        f"paths.runs_dir={tmp_path}",
        cwd=tmp_path,
    )
    run_dir = only_run_dir(tmp_path)
    # the run directory is named by the overrides, sorted, minus those that do not change the run
    assert run_dir.relative_to(tmp_path).as_posix() == f"train/debug-fast_dev_run__model-{model}__trainer-cpu"
    results = read_results(run_dir)
    assert expected <= set(results)
    assert not absent & set(results)
    assert (run_dir / "config.yaml").exists() and (run_dir / "splits.csv").exists()


def test_a_mistyped_group_lists_the_choices(tmp_path):
    import subprocess

    from .conftest import BIN

    result = subprocess.run([str(BIN / "emotion-train"), "model=asisted"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0
    assert "emotion_only" in result.stderr and "polarity_only" in result.stderr
