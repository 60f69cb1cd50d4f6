"""Image emotion recognition by assisted learning (He & Zhang, Neurocomputing 2018)."""

import warnings
from pathlib import Path

# Hydra configs live beside the package in the repository (`pip install -e .`), one group per concern.
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")

# conf/hydra/launcher/submitit_slurm.yaml sets the plugin's config of the same name, on purpose: users keep writing
# hydra/launcher=submitit_slurm and get this project's values. Hydra 1.3 still merges such a file into the plugin's
# schema, with a deprecation warning on every launch that would only confuse.
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/submitit_slurm' is validated against ConfigStore schema")
