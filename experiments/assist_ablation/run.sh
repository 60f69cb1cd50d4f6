#!/usr/bin/env bash
# The assist ablation on the synthetic data: emotion_only against each mechanism, 2 seeds each
# (14 runs of 3 epochs; about 10 minutes on 2 CPU cores). Then the report table and bar chart.
set -euo pipefail
cd "$(dirname "$0")/../.."
train=".venv/bin/emotion-train -m experiment=assist_ablation paths.runs_dir=${RUNS_DIR:-runs} seed=0,1"
$train model=emotion_only                                                     # the baseline
$train model.fusion=none,concat,gate                                          # feature assist (λp=1, λc=0.1)
$train model.fusion=concat model.loss.polarity_weight=0 model.loss.consistency_weight=0   # features only
$train model.schedule.polarity_warmup_epochs=1                                # staged training
$train model.share_backbone=true model.fusion=none                            # one trunk, two heads
.venv/bin/emotion-report "${RUNS_DIR:-runs}/assist_ablation" --out experiments/assist_ablation/report.png
