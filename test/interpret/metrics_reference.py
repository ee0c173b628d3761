"""References for the interpretation metrics, computed by Debian's PyTorch and numpy from JSON on stdin.

Input: {"logits": N×C, "targets": N, "k": K}. Output: the confusion matrix, scikit-learn's classification_report
by its formulas (labels 0..C-1, zero_division=0), fastai's most_confused (min_val=1), and fastai's top_losses
(cross entropy per sample, the K highest) with the softmax probabilities of the predicted and true classes.
"""
import json
import sys

import numpy as np
import torch

data = json.load(sys.stdin)
logits = torch.tensor(data['logits'], dtype=torch.float32)
targets = torch.tensor(data['targets'], dtype=torch.int64)
classes = logits.shape[1]
predicted = logits.argmax(1).numpy()
truth = targets.numpy()

cm = np.zeros((classes, classes), dtype=np.int64)
np.add.at(cm, (truth, predicted), 1)


def divide(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


tp = np.diag(cm).astype(np.float64)
support = cm.sum(1)
precision = divide(tp, cm.sum(0))
recall = divide(tp, support)
f1 = divide(2 * precision * recall, precision + recall)
weights = support / support.sum()
report = {
    'precision': precision.tolist(), 'recall': recall.tolist(), 'f1': f1.tolist(), 'support': support.tolist(),
    'accuracy': float(tp.sum() / cm.sum()),
    'macro': [float(precision.mean()), float(recall.mean()), float(f1.mean())],
    'weighted': [float((precision * weights).sum()), float((recall * weights).sum()), float((f1 * weights).sum())],
}

# fastai's ClassificationInterpretation.most_confused(min_val=1), with class indices for names
pairs = [(int(i), int(j), int(cm[i, j])) for i, j in zip(*np.where(cm >= 1)) if i != j]
most_confused = sorted(pairs, key=lambda p: p[2], reverse=True)

losses = torch.nn.functional.cross_entropy(logits, targets, reduction='none')
values, indices = losses.topk(data['k'])
probabilities = logits.softmax(1)[indices]
top = [{'index': int(i), 'loss': float(v), 'predicted': int(p.argmax()), 'actual': int(targets[i]),
        'probability': float(p.max()), 'actualProbability': float(p[targets[i]])}
       for v, i, p in zip(values, indices, probabilities)]

print(json.dumps({'confusion': cm.tolist(), 'report': report, 'mostConfused': most_confused, 'topLosses': top}))
