"""The `fitbench` command. One module per subcommand in this folder, each with `HELP`, `add_arguments(parser)`
and `run(args) -> exit code`; the logic they call lives outside the commands.

Bad input (unknown case, bad option, an --out that cannot be written, a non-positive --timeout, a model or
data directory that does not exist, missing network, a corrupt results file) ends in one clear line on
stderr and exit 2, checked before anything runs or is written; results already on disk are never rewritten.
Ctrl-C ends with exit 130 and keeps what was written; SIGTERM (a job's time limit, `kill`, a night stopping a
suite it started) takes the same way out, with exit 143: workers stopped, temporary folders removed — a runner
that died of it at once would leave the folder of a worker that had just finished but was not yet collected.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from harness import settings
from harness.commands.common import EXIT_BAD_INPUT, UsageError

COMMANDS = ("list", "run", "report", "compare", "nightly", "bisect", "doctor")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise UsageError(message)


class _Version(argparse.Action):
    """`fitbench --version`: the package's version and which code it is (commit, edits, code hash); worked out
    only when asked, not on every command."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata

        from harness.env.code import code_identity, describe_code

        try:
            version = metadata.version("fitbench")
        except metadata.PackageNotFoundError:  # run from a checkout that was never installed
            version = "(not installed)"
        print(f"fitbench {version} — {describe_code(code_identity())}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fitbench", description="Replay the classic TF/Keras + transformers fine-tuning bugs.")
    parser.add_argument("--version", action=_Version, help="the fitbench version and code, then exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"harness.commands.{name}")
        # the one-line HELP is also the subcommand's description: `fitbench run --help` says what run does
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP[:1].upper()
                                            + module.HELP[1:] + "."))
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so that every `except KeyboardInterrupt` cleans up for it too."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # the process (and the workers it starts, which inherit it) may import TensorFlow: its variables first
    settings.prepare_tensorflow_environment()
    # (signals reach the main thread only; main() called from another thread, in a test, keeps the default)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main else None
    try:
        parser = build_parser()
        if not argv:  # a bare `fitbench`: what it can do, not only an error
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        args = parser.parse_args(argv)
        return importlib.import_module(f"harness.commands.{args.command}").run(args)
    except UsageError as exc:
        print(f"fitbench: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("fitbench: stopped (SIGTERM); records written so far are kept", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("fitbench: interrupted; records written so far are kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `fitbench list | head`: the reader left; say nothing more, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
