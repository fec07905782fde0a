"""`perfkit compare BASE NEW [--threshold 5] [--metric KEY] [--allow-params-differ] [--html PATH]`.

Exit codes (the first that applies):

- 2: bad usage (a side names nothing, a bad threshold, an HTML target that is not a regular
  file), or input that cannot be compared: a result file that cannot be read, a metric that is
  invalid (NaN, inf, text, a list, negative) or missing, a base mean of 0;
- 1: at least one configuration regressed beyond the threshold, or failed on the new side;
- 3: no regression, but at least one pair got no verdict: inconclusive (fewer than 3 ok
  repeats on a side, or with --per-step fewer than 30 effective per-step values) or params differ;
- 0: every pair got a verdict and none regressed.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.results.store import write_text_atomic

# The comparison itself (pages, sides, verdicts: pandas through perfkit.report.repeats) is
# imported where it runs: every command builds perfkit's parser, which adds this command's
# arguments from here (pandas' import was ~0.35 s of each `perfkit run`'s start).

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE = 0, 1, 2, 3

DEFAULT_HTML = "compare.html"
DESCRIPTION = ("Compare the results of two sets of runs per configuration (benchmark/vendor/config, paired only "
               "when their params hash is the same): the change of the mean, Welch's two-sample t-test (95%) over "
               "the repeats and its interval. A significant slowdown beyond --threshold is a regression; fewer than "
               "3 ok repeats a side is inconclusive.")
EPILOG = ("examples:\n  perfkit compare baseline-reports/ reports/\n  perfkit compare bert/cpu/smoke bert/cpu/smoke_new "
          "--threshold 3\n\n"
          "verdicts: REGRESSION, improved, below threshold, not significant, params differ,\n"
          "  inconclusive (n<3; with --per-step: n_eff<30), FAILED, metric invalid, metric missing,\n"
          "  base mean 0, only in base, only in new\n"
          "test: Welch's two-sample t-test (two-sided, 95%) over the repeats, as pyperf; a change\n"
          "  smaller than --threshold is 'below threshold', as asv's --factor\n\n"
          "exit codes:\n"
          "  0  every pair got a verdict and none regressed\n"
          "  1  a regression, or a configuration failed on the new side\n"
          "  2  bad usage, or input that cannot be compared (an unreadable result, a metric that is\n"
          "     invalid or missing, a base mean of 0)\n"
          "  3  no regression, but a pair got no verdict (inconclusive, or params differ)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="baseline: a reports folder, a run folder, or a run id (bert/cpu/smoke)")
    parser.add_argument("new", metavar="NEW", help="candidate: the same kinds as BASE")
    parser.add_argument("--threshold", type=float, default=5.0, metavar="PERCENT",
                        help="effect size: a change smaller than this many percent is 'below threshold' (default 5)")
    parser.add_argument("--metric", default="", metavar="KEY",
                        help="metric to compare (default: the headline throughput, p_core or p_infer_core)")
    parser.add_argument("--allow-params-differ", action="store_true",
                        help="judge pairs whose params differ too (the differing keys are listed); default: no verdict")
    parser.add_argument("--per-step", action="store_true",
                        help="where a side has fewer than 3 ok repeats, judge the runs' per-step samples (step times, "
                             "batch latencies) counted by their effective sample size (at least 30 a side)")
    parser.add_argument("--html", default="", metavar="PATH",
                        help=f"where to write the HTML page (default: reports/{DEFAULT_HTML}); '-' for none")


def check_page_target(target: Path) -> None:
    """A UserError unless ``target`` is absent or a regular file (never a FIFO, a device, a
    folder or a symbolic link)."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UserError(f"compare: --html {str(target)[:300]}: cannot inspect it ({exc.strerror})") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UserError(f"compare: --html {str(target)[:300]} is a symbolic link; give a regular file's path")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UserError(f"compare: --html {str(target)[:300]} exists and is not a regular file; "
                        "give a regular file's path")


def write_page(target: Path, text: str) -> None:
    """Write the page through a temporary file in the same folder and a rename, only where the
    target is absent or a regular file."""
    check_page_target(target)
    write_text_atomic(target, text)


def summary_line(verdicts: list, threshold_percent: float) -> str:
    from perfkit.comparison.verdicts import BAD_INPUT, NO_VERDICT

    gating = sum(v.gates for v in verdicts)
    parts = [f"{gating} regression(s) beyond {threshold_percent:g}%" if gating
             else f"no regression beyond {threshold_percent:g}%"]
    bad = sum(v.verdict in BAD_INPUT for v in verdicts)
    if bad:
        parts.append(f"{bad} pair(s) could not be compared (metric invalid or missing, base mean 0)")
    open_pairs = sum(v.verdict in NO_VERDICT for v in verdicts)
    if open_pairs:
        parts.append(f"{open_pairs} pair(s) without a verdict (inconclusive or params differ)")
    return "; ".join(parts)


def exit_code(verdicts: list, unreadable: list[str]) -> int:
    from perfkit.comparison.verdicts import BAD_INPUT, NO_VERDICT

    if unreadable or any(v.verdict in BAD_INPUT for v in verdicts):
        return EXIT_BAD_INPUT
    if any(v.gates for v in verdicts):
        return EXIT_REGRESSION
    if any(v.verdict in NO_VERDICT for v in verdicts):
        return EXIT_INCONCLUSIVE
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from perfkit.comparison.page import html_page, method_line, text_table
    from perfkit.comparison.sides import read_side
    from perfkit.comparison.verdicts import BAD_INPUT, compare_runs

    if not 0 <= args.threshold < 100:
        raise UserError(f"compare: --threshold {args.threshold} must be a percentage from 0 to below 100")
    if args.metric and not (len(args.metric) <= 64 and args.metric.replace("_", "").isascii()
                            and args.metric.replace("_", "").isalnum()):
        raise UserError(f"compare: --metric {args.metric[:80]!r} is not a metric key (ASCII letters, digits, _)")
    target = None
    if args.html != "-":
        target = Path(args.html).expanduser() if args.html else paths.reports_dir() / DEFAULT_HTML
        check_page_target(target)  # before anything is printed
    base, new = read_side(args.base), read_side(args.new)
    threshold = args.threshold / 100
    verdicts = compare_runs(base.located(), new.located(), threshold, args.metric, args.allow_params_differ,
                            args.per_step)
    print(method_line(threshold))
    print(text_table(verdicts))
    unreadable = base.unreadable + new.unreadable
    for line in unreadable:
        print(f"perfkit: error: compare: unreadable result {line}", file=sys.stderr)
    for v in verdicts:
        if v.verdict in BAD_INPUT:
            print(f"perfkit: error: compare: {v.label}: {v.verdict}: {'; '.join(v.notes)}", file=sys.stderr)
    print(summary_line(verdicts, args.threshold))
    if target is not None:
        write_page(target, html_page(verdicts, base.label, new.label, threshold))
        print(f"comparison page: {target}")
    return exit_code(verdicts, unreadable)
