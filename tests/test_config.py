"""Every file of the data, backbone, model and trainer groups composes and instantiates; the Slurm settings."""

from datetime import timedelta
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from emotion import CONFIG_DIR
from emotion.data.datamodule import EmotionDataModule
from emotion.models.backbones import backbone_normalization, build_backbone
from emotion.module import AssistedEmotionModule
from emotion.runs import register_resolvers

from .conftest import compose_train


def group_files(group: str) -> list[str]:
    return sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml"))


# values a group file leaves to the user (`???`)
REQUIRED = {
    "data": {"folder": ["data.taxonomy={cat: positive, spider: negative}"]},
    "backbone": {"timm": ["backbone.name=resnet10t", "backbone.feature_dim=512"]},
}


@pytest.mark.parametrize("name", group_files("data"))
def test_data_configs_instantiate(tmp_path, name):
    root = [] if name == "synthetic" else [f"data.root=/data/{name}"]
    cfg = compose_train(tmp_path, f"data={name}", *root, *REQUIRED["data"].get(name, []))
    datamodule = instantiate(cfg.data, **backbone_normalization(cfg.backbone.name))
    assert isinstance(datamodule, EmotionDataModule)
    assert datamodule.split_file == tmp_path / "splits.csv"


@pytest.mark.parametrize("name", group_files("backbone"))
def test_backbone_configs_build_features_of_the_declared_size(tmp_path, name):
    cfg = compose_train(tmp_path, f"backbone={name}", *REQUIRED["backbone"].get(name, []))
    assert cfg.backbone.pretrained is False  # offline by default; opt in with backbone.pretrained=true
    backbone, dim = build_backbone(cfg.backbone.name, cfg.backbone.pretrained)
    size = cfg.backbone.input_size
    assert dim == (cfg.backbone.feature_dim or dim)
    assert backbone.eval()(torch.randn(1, 3, size, size)).shape == (1, dim)
    assert cfg.data.image_size == 32  # the synthetic data keeps its own size; real datasets take input_size
    assert compose_train(tmp_path, "data=fi", "data.root=/x", f"backbone={name}",
                         *REQUIRED["backbone"].get(name, [])).data.image_size == size  # fmt: skip


@pytest.mark.parametrize("name", group_files("trainer"))
def test_trainer_configs_compose(tmp_path, name):
    cfg = compose_train(tmp_path, f"trainer={name}")
    assert cfg.trainer._target_ == "lightning.pytorch.Trainer"
    assert cfg.trainer.max_epochs > 0


def test_periodic_checkpoints_by_steps_or_by_time(tmp_path):
    by_steps = instantiate(compose_train(tmp_path, "callbacks.checkpoint.every_n_train_steps=500").callbacks.checkpoint)
    by_time = "callbacks.checkpoint.train_time_interval={_target_:datetime.timedelta,minutes:30}"
    by_time = instantiate(compose_train(tmp_path, by_time).callbacks.checkpoint)
    assert (by_steps._every_n_train_steps, by_time._train_time_interval) == (500, timedelta(minutes=30))
    assert by_steps._every_n_epochs == by_time._every_n_epochs == 0  # the epoch ends are last.ckpt's


def test_multinode_reads_the_node_and_task_counts_from_slurm(tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_NUM_NODES", "2")
    monkeypatch.setenv("SLURM_NTASKS_PER_NODE", "4")
    trainer = compose_train(tmp_path, "trainer=multinode").trainer
    assert (trainer.num_nodes, trainer.devices) == (2, 4)  # integers, as the Trainer requires


def test_the_slurm_launcher_asks_for_one_task_per_device_and_a_cpu_per_worker():
    register_resolvers()  # as the entry points do
    overrides = ["trainer=ddp_cpu", "data.num_workers=3", "hydra/launcher=submitit_slurm"]
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        launcher = compose("train", overrides, return_hydra_config=True).hydra.launcher
    assert (launcher.tasks_per_node, launcher.nodes, launcher.cpus_per_task) == (2, 1, 4)
    assert launcher.max_num_timeout > 0 and launcher._target_.endswith("SlurmLauncher")


@pytest.mark.parametrize("name", group_files("model"))
@pytest.mark.parametrize("optimizer", group_files("model/optimizer"))
def test_model_configs_instantiate(tmp_path, name, optimizer):
    cfg = compose_train(tmp_path, f"model={name}", f"model/optimizer={optimizer}")
    module = instantiate(cfg.model)
    assert isinstance(module, AssistedEmotionModule)
    assert module.configure_optimizers()["optimizer"].__class__.__name__.lower() == optimizer


def test_hyperparameters_are_plain_values(tmp_path):
    """What lets checkpoints load with weights_only=True."""
    module = instantiate(compose_train(tmp_path).model)
    plain = (str, int, float, bool, type(None), list, dict, tuple)

    def check(value):
        assert isinstance(value, plain), type(value)
        for item in value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else []:
            check(item)

    check(dict(module.hparams))
