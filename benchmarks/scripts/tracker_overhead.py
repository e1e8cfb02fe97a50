"""What fitbench's trackers cost: step time with all trackers vs none, side by side in one process.

    python benchmarks/scripts/tracker_overhead.py [--size tiny] [--steps 40] [--rounds 5]

Both arms run the same fit loop (one optimizer step per Keras epoch, as the procedures do) on the same
compiled model and batch, alternating A/B/A/B so drift on a shared machine hits both alike. The tracked
arm adds StepRecorder (per-step loss and time) and MemoryTracker (RSS sampler thread; NVML and TF peak on
a GPU). Prints the ratio of median step times; the target is <= 1.01.
"""
from __future__ import annotations

import argparse
import statistics
import time

import harness  # noqa: F401  (TF_USE_LEGACY_KERAS)
from harness.config import RunConfig
from harness.env import device_class
from harness.pipeline import compile_model, first_batch, make_model, prepare, split_batch


def timed_fit(model, x, steps: int, callbacks: list) -> float:
    """Median wall time per step of `steps` one-step epochs, measured around the whole fit call."""
    start = time.perf_counter()
    model.fit(x, batch_size=16, epochs=steps, callbacks=callbacks, verbose=0)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import tensorflow as tf

    from harness.callbacks import StepRecorder
    from harness.trackers import MemoryTracker

    tf.keras.utils.set_random_seed(0)
    device = device_class()
    cfg = RunConfig(model_size=args.size, optimizer="adam", device=device)
    prep = prepare(cfg)
    features, labels = split_batch(first_batch(prep.train))
    x = {**features, "labels": labels}
    model = make_model(cfg, prep.tokenizer)
    compile_model(model, cfg, args.steps)
    timed_fit(model, x, 3, [])  # trace the train function once, outside both arms

    bare, tracked = [], []
    for _ in range(args.rounds):
        bare.append(timed_fit(model, x, args.steps, []))
        with MemoryTracker(device):
            tracked.append(timed_fit(model, x, args.steps, [StepRecorder(threshold=0.05)]))
    # per-round ratios: each pair ran back to back, so slow phases of a shared machine cancel within a pair
    ratios = sorted(t / b for t, b in zip(tracked, bare, strict=True))
    ratio = statistics.median(ratios)
    print(f"device={device} size={args.size} steps={args.steps} rounds={args.rounds}")
    print(f"median step without trackers: {statistics.median(bare) * 1e3:.2f} ms")
    print(f"median step with all trackers: {statistics.median(tracked) * 1e3:.2f} ms")
    print(f"per-round ratios tracked/bare: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"overhead ratio tracked/bare (median of rounds): {ratio:.4f} ({(ratio - 1) * 100:+.2f} %)")


if __name__ == "__main__":
    main()
