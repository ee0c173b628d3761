#!/usr/bin/env bash
# The README's regularization table: lecture_cnn on Fashion-MNIST with the same seed and budget, adding one
# technique at a time, then all together; then batch norm (the setting that overfits most) with one augmentation
# recipe at a time. Prints a Markdown table: the last epoch's training and validation accuracy and their gap (the
# overfitting), and the test accuracy of the best epoch's weights (lowest val_loss).
#   bash scripts/ablation.sh [--limit N] [--epochs E] [--rows all|regularization|augmentation]
#   (defaults: 5000 training images, 12 epochs, all rows)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=5000; epochs=12; rows=all
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    *) echo "ablation: unknown option $1 (valid: --limit N, --epochs E, --rows all|regularization|augmentation)" >&2; exit 2 ;;
  esac
done
case "$rows" in all|regularization|augmentation) ;; *) echo "ablation: --rows must be all, regularization or augmentation, got $rows" >&2; exit 2 ;; esac
common=(--dataset fashion-mnist --model lecture_cnn --optimizer adamw --weight-decay 0 --epochs "$epochs" --limit "$limit" --seed 0 --quiet --json)
declare -a names=("baseline" "+ dropout 0.5" "+ batch norm" "+ weight decay 0.05" "+ skip connections" "all together")
declare -a extras=("" "--dropout 0.5" "--batch-norm" "--weight-decay 0.05" "--residual" "--dropout 0.5 --batch-norm --weight-decay 0.05 --residual")
# Augmentation rows (6 on): recipes without spaces, as they are split into words.
names+=("batch norm + hflip, affine" "batch norm + random erasing" "batch norm + cutout" "batch norm + GridMask" "batch norm + mixup" "batch norm + cutmix")
extras+=("--batch-norm --augment hflip,affine(degrees=10,translate=0.1,scale=0.9-1.1)" "--batch-norm --augment randomErasing(0.5)"
  "--batch-norm --augment cutout(8)" "--batch-norm --augment gridMask" "--batch-norm --augment mixup(0.2)" "--batch-norm --augment cutmix(1.0)")
echo "| run | train acc | val acc | gap | test acc (best epoch) |"
echo "| --- | --- | --- | --- | --- |"
for i in "${!names[@]}"; do
  if { [ "$rows" = regularization ] && [ "$i" -ge 6 ]; } || { [ "$rows" = augmentation ] && [ "$i" -lt 6 ]; }; then continue; fi
  # shellcheck disable=SC2086
  result=$(node dist/src/cli/main.js train "${common[@]}" ${extras[$i]} --out "runs/ablation-$i" | tail -n 1)
  node -e '
    const r = JSON.parse(process.argv[1]);
    const pct = (x) => (100 * x).toFixed(2) + " %";
    console.log(`| ${process.argv[2]} | ${pct(r.train_acc)} | ${pct(r.val_acc)} | ${(100 * (r.train_acc - r.val_acc)).toFixed(2)} points | ${pct(r.test_acc)} (${r.best_epoch}) |`);
  ' "$result" "${names[$i]}"
done
