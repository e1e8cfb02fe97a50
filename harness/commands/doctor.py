"""`fitbench doctor`: the chapter's checks on your own model and data, each ✓ / ✗ / – with its evidence, and for a
bug fitbench knows, the fix and the case that replays it. Without arguments it examines fitbench's embedded
pipeline, which has nothing wrong. Exit 0: nothing found; 1: findings; 2: bad input (said in one line)."""
from __future__ import annotations

import argparse
import json
import re

from harness.commands.common import UsageError, positive_int, positive_seconds
from harness.doctor.pipeline import COLLATES, LOSSES, OPTIMIZERS, Bounds, UserPipeline
from harness.spec.config import DEVICES, LABEL_PLACEMENTS

HELP = "check your own model and data the chapter's way: each bug named, with its fix"
OPTION = {"label_placement": "labels", "memory_growth": "no-memory-growth"}  # where a field's option is not its name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="embedded", help="a save_pretrained directory, a hub id, or 'embedded'")
    parser.add_argument("--data", default="embedded",
                        help="a CSV / TSV / JSON lines / Parquet file, a save_to_disk folder, a hub id, or 'embedded'")
    parser.add_argument("--split", default="train", help="the split of a data set with several (default train)")
    parser.add_argument("--text", default="", help="text columns, comma separated (default: every text column)")
    parser.add_argument("--label", default="", help="the label column (default: label or labels)")
    parser.add_argument("--num-labels", type=positive_int, default=None,
                        help="as from_pretrained(..., num_labels=N); default: what the checkpoint says")
    parser.add_argument("--labels", default="in_dict", choices=LABEL_PLACEMENTS,
                        help="labels inside the input dict, or as fit's y (to_tf_dataset label_cols)")
    parser.add_argument("--collate", default="padding", choices=tuple(COLLATES),
                        help="padding: DataCollatorWithPadding; none: to_tf_dataset's own (the chapter's call)")
    parser.add_argument("--loss", default="internal", choices=tuple(LOSSES),
                        help="internal: compile without a loss; sparse_categorical_crossentropy: the string; "
                             "from_logits: SparseCategoricalCrossentropy(from_logits=True)")
    parser.add_argument("--optimizer", default="Adam", choices=tuple(OPTIMIZERS),
                        help="adam: the Keras string (lr 1e-3); Adam: Adam(learning_rate); create_optimizer")
    parser.add_argument("--learning-rate", type=float, default=None, help="for Adam / create_optimizer (default 5e-5)")
    parser.add_argument("--batch-size", type=int, default=16, help="your training batch size (default 16)")
    parser.add_argument("--max-length", type=int, default=None, help="truncation length (default: the tokenizer's)")
    parser.add_argument("--no-memory-growth", action="store_true", help="your script leaves TF's GPU memory growth off")
    parser.add_argument("--seed", type=int, default=0, help="the checks' seed (default 0)")
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where the checks run (default auto: the GPU where TensorFlow can use one)")
    parser.add_argument("--overfit-steps", type=int, default=500, help="the overfit check's budget (default 500)")
    parser.add_argument("--timeout", type=positive_seconds, default=None,
                        help="seconds each check may take before its process is killed (default: 60, the overfit "
                             "150, memory 180)")
    parser.add_argument("--launcher", default="auto", choices=("auto", "fork", "spawn"),
                        help="how each check's process is made (default auto: fork where possible)")
    parser.add_argument("--json", action="store_true", help="the report as JSON, for CI")


def pipeline_of(args: argparse.Namespace) -> UserPipeline:
    """The pipeline the options describe; a UsageError naming the option where they cannot describe one."""
    try:
        return UserPipeline(
            model=args.model, data=args.data, split=args.split, label=args.label, num_labels=args.num_labels,
            text=tuple(c.strip() for c in args.text.split(",") if c.strip()), label_placement=args.labels,
            collate=args.collate, loss=args.loss, optimizer=args.optimizer, learning_rate=args.learning_rate,
            batch_size=args.batch_size, max_length=args.max_length, memory_growth=not args.no_memory_growth,
            seed=args.seed, overfit_steps=args.overfit_steps)
    except ValueError as exc:  # "UserPipeline.label_placement must be ..." -> "--labels must be ..."
        message = re.sub(r"UserPipeline\.(\w+)", lambda m: "--" + OPTION.get(m.group(1), m.group(1)).replace("_", "-"),
                         str(exc))
        raise UsageError(message) from None


def bounds_of(args: argparse.Namespace) -> Bounds:
    if args.timeout is None:
        return Bounds()
    return Bounds(check=args.timeout, overfit=args.timeout, memory=args.timeout)


def open_doctor(args: argparse.Namespace):
    """The doctor that examines the pipeline (its zygote starts with the first checkup); a context manager."""
    from harness.doctor.run import Doctor

    import cases

    return Doctor(cases, args.device, args.launcher, bounds_of(args))


def run(args: argparse.Namespace) -> int:
    from harness.doctor.inputs import BadInput, resolve

    pipeline = pipeline_of(args)
    try:
        resolved = resolve(pipeline)  # before anything runs: the files, the columns, the model
        with open_doctor(args) as doctor:
            report = doctor.examine(pipeline, resolved)
    except BadInput as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(report.to_dict(), indent=1, default=str) if args.json else report.text(), flush=True)
    return report.exit_code
