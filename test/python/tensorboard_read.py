"""Reads a TensorBoard log folder with TensorBoard's own reader (EventAccumulator, as the
TensorBoard server loads event files) and prints every scalar as JSON:
{"train": {tag: [[step, value], ...]}, "validation": {...}}. Orphan purging is off, so a step
written twice shows up twice (nothing is hidden from the caller)."""
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator


def read(folder):
    acc = event_accumulator.EventAccumulator(
        folder, size_guidance={event_accumulator.SCALARS: 0}, purge_orphaned_data=False
    )
    acc.Reload()
    return {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def main(log_dir):
    out = {}
    for split in ("train", "validation"):
        folder = os.path.join(log_dir, split)
        if os.path.isdir(folder):
            out[split] = read(folder)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
