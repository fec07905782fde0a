"""`perfkit compare BASE NEW [--threshold 5] [--metric KEY] [--html PATH]`.

Exit codes: 0 no configuration regressed beyond the threshold; 1 at least one did (or failed
on the new side); 2 bad usage (a side names nothing, a bad threshold).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from perfkit import paths
from perfkit.comparison.page import html_page, text_table
from perfkit.comparison.sides import read_side
from perfkit.comparison.verdicts import compare_runs
from perfkit.errors import UserError
from perfkit.results.store import write_text_atomic

DEFAULT_HTML = "compare.html"
DESCRIPTION = ("Compare the results of two sets of runs per configuration (benchmark/vendor/config): the change "
               "of the mean with a 95% bootstrap interval over repeats; a significant slowdown beyond --threshold "
               "is a regression.")
EPILOG = ("examples:\n  perfkit compare baseline-reports/ reports/\n  perfkit compare bert/cpu/smoke bert/cpu/smoke_new "
          "--threshold 3\n\nexit codes: 0 no regression; 1 a regression or a configuration failed on the new side; "
          "2 bad usage")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="baseline: a reports folder, a run folder, or a run id (bert/cpu/smoke)")
    parser.add_argument("new", metavar="NEW", help="candidate: the same kinds as BASE")
    parser.add_argument("--threshold", type=float, default=5.0, metavar="PERCENT",
                        help="a slowdown beyond this many percent that is significant fails (default 5)")
    parser.add_argument("--metric", default="", metavar="KEY",
                        help="metric to compare (default: the headline throughput, p_core or p_infer_core)")
    parser.add_argument("--html", default="", metavar="PATH",
                        help=f"where to write the HTML page (default: reports/{DEFAULT_HTML}); '-' for none")


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.threshold < 100:
        raise UserError(f"compare: --threshold {args.threshold} must be a percentage from 0 to below 100")
    if args.metric and not args.metric.replace("_", "").isalnum():
        raise UserError(f"compare: --metric {args.metric!r} is not a metric key (letters, digits, _)")
    base, new = read_side(args.base), read_side(args.new)
    threshold = args.threshold / 100
    verdicts = compare_runs(base.runs, new.runs, threshold, args.metric)
    print(text_table(verdicts))
    gating = [v for v in verdicts if v.gates]
    print(f"{len(gating)} regression(s) beyond {args.threshold:g}%" if gating else f"no regression beyond {args.threshold:g}%")
    if args.html != "-":
        target = Path(args.html).expanduser() if args.html else paths.reports_dir() / DEFAULT_HTML
        write_text_atomic(target, html_page(verdicts, base.label, new.label, threshold))
        print(f"comparison page: {target}")
    return 1 if gating else 0
