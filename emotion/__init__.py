"""Image emotion recognition by assisted learning (He & Zhang, Neurocomputing 2018)."""

from pathlib import Path

# Hydra configs live beside the package in the repository (`pip install -e .`), one group per concern.
CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")
