"""The `perfkit` command line.

Exit codes: 0 success; 1 a run (or some runs of a suite) failed; 2 bad usage, params or data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from perfkit import __version__
from perfkit.errors import UserError


def _cmd_run(args: argparse.Namespace) -> int:
    from perfkit.execution import run_benchmark
    from perfkit.params import parse_overrides

    overrides = parse_overrides(args.set or [])
    if args.rdzv_endpoint:
        from perfkit.launch import ENDPOINT_ENV, parse_endpoint

        parse_endpoint(args.rdzv_endpoint)
        os.environ[ENDPOINT_ENV] = args.rdzv_endpoint  # the notebook's kernel inherits it
    done = run_benchmark(args.benchmark, args.vendor, args.config, overrides, args.timeout, not args.no_html, args.redact)
    print(f"{args.benchmark}/{args.vendor}/{args.config}: {done.status} in {done.seconds:.1f} s -> {done.run_dir}")
    if done.result and done.status == "ok":
        m = done.result.metrics
        keys = ("e2e_time", "p_whole", "p_train", "p_core", "acc", "mem")
        print("  " + "  ".join(f"{k}={m.get(k):.4g}" if isinstance(m.get(k), float) else f"{k}={m.get(k)}" for k in keys))
    elif done.error:
        print(f"  error: {done.error}", file=sys.stderr)
    if not args.no_index:
        from perfkit.report.site import build_index

        build_index(redacted=args.redact)
    return 0 if done.status == "ok" else 1


def _cmd_join(args: argparse.Namespace) -> int:
    from perfkit.launch import join_node

    return join_node(args.benchmark, args.vendor, args.config, args.set or [], args.rdzv_endpoint, args.node_rank)


def _cmd_suite(args: argparse.Namespace) -> int:
    from perfkit.report.site import build_index
    from perfkit.suite import load_suite, run_suite

    suite = load_suite(args.name)
    if args.dry_run:
        for entry in suite.entries:
            print(f"{entry.label} x{entry.repeats} {json.dumps(entry.overrides) if entry.overrides else ''}".rstrip())
        return 0
    started = time.perf_counter()
    outcomes = run_suite(suite, html=not args.no_html, redacted=args.redact)
    index = build_index(redacted=args.redact)
    failed = sum(1 for o in outcomes if o.status != "ok")
    print(f"suite {suite.name}: {len(outcomes) - failed} ok, {failed} failed in {time.perf_counter() - started:.1f} s; index: {index}")
    return min(failed, 125)


def _cmd_report(args: argparse.Namespace) -> int:
    from perfkit.report.site import build_index

    index = build_index(Path(args.reports) if args.reports else None, redacted=args.redact)
    print(index)
    return 0


def _cmd_env(args: argparse.Namespace) -> int:
    from perfkit.results.environment import collect_environment
    from perfkit.vendors import get_vendor

    vendor = get_vendor(args.vendor)
    print(json.dumps(collect_environment(vendor.environment()), indent=2, ensure_ascii=False))
    return 0


def _cmd_data_build(args: argparse.Namespace) -> int:
    from perfkit.benchmarks import benchmark_class
    from perfkit.params import parse_overrides

    cls = benchmark_class(args.benchmark)
    params = cls.params_model(**parse_overrides(args.set or []))
    started = time.perf_counter()
    content = cls(params).build_data(Path(args.out))
    print(f"{args.benchmark} dataset -> {args.out} (sha256 {content[:16]}, {time.perf_counter() - started:.1f} s)")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from perfkit import paths

    which = args.which
    if which in ("harness", "all"):
        from perfkit.bench import harness

        for name in args.benchmark or ["bert"]:
            print(harness.report(name, harness.measure(name, args.steps, args.pairs)), flush=True)
    if which in ("timing", "all"):
        from perfkit.bench import timing_cost

        print(timing_cost.report(args.step_seconds), flush=True)
    if which in ("pipeline", "all"):
        from perfkit.bench import pipeline

        print(pipeline.report(paths.reports_dir()), flush=True)
    if which in ("overhead", "all"):
        from perfkit.bench import overhead

        print(overhead.report(overhead.measure()), flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfkit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"perfkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute one benchmark notebook and publish its report")
    run.add_argument("benchmark")
    run.add_argument("--vendor", default="cpu")
    run.add_argument("--config", default="smoke")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a param (repeatable)")
    run.add_argument("--timeout", type=float, default=None, help="seconds per notebook cell")
    run.add_argument("--no-html", action="store_true", help="skip the HTML report")
    run.add_argument("--no-index", action="store_true", help="do not rebuild reports/index.html")
    run.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    run.add_argument("--rdzv-endpoint", default="", metavar="HOST:PORT",
                     help="multi-node: where this node (node 0) hosts the rendezvous (default HOSTNAME:29400)")
    run.set_defaults(func=_cmd_run)

    join = sub.add_parser("join", help="multi-node: run this node's workers of a run hosted by node 0")
    join.add_argument("benchmark")
    join.add_argument("--vendor", default="cpu")
    join.add_argument("--config", required=True)
    join.add_argument("--set", action="append", metavar="KEY=VALUE", help="the same overrides as node 0 (repeatable)")
    join.add_argument("--rdzv-endpoint", required=True, metavar="HOST:PORT", help="node 0's rendezvous")
    join.add_argument("--node-rank", type=int, required=True, help="this node's rank, 1 .. nnodes-1")
    join.set_defaults(func=_cmd_join)

    suite = sub.add_parser("suite", help="execute every run of params/suites/NAME.yaml")
    suite.add_argument("name")
    suite.add_argument("--dry-run", action="store_true", help="list the runs, run nothing")
    suite.add_argument("--no-html", action="store_true")
    suite.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    suite.set_defaults(func=_cmd_suite)

    report = sub.add_parser("report", help="rebuild reports/index.html from the results")
    report.add_argument("--reports", default="", help="reports folder (default: the project's reports/)")
    report.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    report.set_defaults(func=_cmd_report)

    env = sub.add_parser("env", help="print the environment record")
    env.add_argument("--vendor", default="cpu")
    env.set_defaults(func=_cmd_env)

    bench = sub.add_parser("bench", help="measure perfkit itself: harness overhead, timing cost, pipeline, kit overhead")
    bench.add_argument("which", choices=["harness", "timing", "pipeline", "overhead", "all"])
    bench.add_argument("--benchmark", action="append", help="training benchmark(s) for the harness (default bert)")
    bench.add_argument("--steps", type=int, default=30, help="steps per harness measurement")
    bench.add_argument("--pairs", type=int, default=5, help="interleaved harness pairs")
    bench.add_argument("--step-seconds", type=float, default=0.2, help="typical step time for the timing cost")
    bench.set_defaults(func=_cmd_bench)

    data = sub.add_parser("data", help="dataset tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    build = data_sub.add_parser("build", help="write the small offline dataset in the real format")
    build.add_argument("benchmark")
    build.add_argument("--out", required=True)
    build.add_argument("--set", action="append", metavar="KEY=VALUE", help="benchmark params (seq_len, vocab_size, ...)")
    build.set_defaults(func=_cmd_data_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"perfkit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
