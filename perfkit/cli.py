"""The `perfkit` command line: run AI-accelerator benchmarks as parameterized notebooks, publish
their reports, compare result sets.

Exit codes: 0 success (also an ok run whose HTML report could not be made: a one-line warning
says so); 1 a run failed; for a suite, 100 + the number of runs that did not end ok (at most
125); 2 bad usage, params or data, or the run folder is being written by another perfkit
process; 130 interrupted (Ctrl-C, SIGTERM or SIGHUP).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from perfkit import __version__
from perfkit.errors import UserError, stop_on_sigterm_like_ctrl_c

if TYPE_CHECKING:
    from perfkit.jobs.early_kernel import EarlyKernel


def job_launchers():
    """The job launchers ``--launcher`` chooses from (perfkit.jobs.launcher): where a run's notebook
    executes. Built-ins, then the ``perfkit.launchers`` entry points of other packages."""
    from perfkit.jobs.launcher import JobLauncher
    from perfkit.plugins import Registry

    return Registry("launcher", "perfkit.launchers", dict(JOB_LAUNCHERS), JobLauncher, sort=False)


JOB_LAUNCHERS = {"local": "perfkit.jobs.launcher:LocalLauncher", "slurm": "perfkit.slurm.launcher:SlurmLauncher"}


def _launcher(args: argparse.Namespace):
    return job_launchers().load(args.launcher).from_args(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from perfkit.params import parse_overrides
    from perfkit.results import vocabulary as vocab
    from perfkit.run.spec import prepare

    overrides = parse_overrides(args.set or [])
    launcher = _launcher(args)
    prepared = prepare(args.benchmark, args.vendor, args.config, overrides)  # params errors before anything starts
    stop_on_sigterm_like_ctrl_c()
    done = launcher.run(prepared, args.timeout, not args.no_html, args.redact)
    if done is None:  # submitted, not waited for: the launcher said where to look
        return 0
    print(f"{args.benchmark}/{args.vendor}/{args.config}: {done.status} in {done.seconds:.1f} s -> {done.run_dir}")
    kit = getattr(done, "kit_line", lambda: None)()  # what the kit cost beside the benchmark
    if kit:
        print(f"  {kit}")
    if done.result and done.status == vocab.OK:
        m = done.result.metrics
        keys = vocab.HEADLINE_KEYS.get(done.result.kind, (vocab.E2E_TIME,))  # no scenario import: it imports torch
        print("  " + "  ".join(f"{k}={m.get(k):.4g}" if isinstance(m.get(k), float) else f"{k}={m.get(k)}" for k in keys))
        llm = [k for k in (vocab.TOKENS_PER_CARD_S, vocab.MFU, vocab.MFU_ATTN, vocab.LOSS, vocab.UNIGRAM_ENTROPY)
               if isinstance(m.get(k), float)]
        if llm:  # LLM pre-training: FlagPerf's token/p/s and MFU, the loss beside the corpus's unigram entropy
            print("  " + "  ".join(f"{k}={m[k]:.4g}" for k in llm))
    elif done.error:
        print(f"  error: {done.error}", file=sys.stderr)
    for note in getattr(done, "notes", lambda: [])():
        print(f"  {note}", file=sys.stderr)
    if not args.no_index and done.status != vocab.INTERRUPTED:
        from perfkit.jobs.index_build import rebuild_index_after_runs

        rebuild_index_after_runs(redacted=args.redact)
    return 0 if done.status == vocab.OK else 130 if done.status == vocab.INTERRUPTED else 1


def timeout_seconds(text: str) -> float:
    """``--timeout``: wall seconds, a finite number from 1 s to ten years (perfkit.params.limits)."""
    from perfkit.params.limits import MAX_TIMEOUT_S, MIN_TIMEOUT_S

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of seconds") from None
    if not MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: allowed: a number of seconds >= {MIN_TIMEOUT_S:g} and "
                                         f"<= {MAX_TIMEOUT_S:.0f}")
    return value


def _cmd_join(args: argparse.Namespace) -> int:
    from perfkit.run.elastic import join_node

    return join_node(args.prepared, args.rdzv_endpoint, args.node_rank)


def _cmd_suite(args: argparse.Namespace) -> int:
    from perfkit.jobs.suite import iter_plan, load_suite, plan_suite, planned_count
    from perfkit.jobs.suite_run import dry_run_lines, suite_exit_code

    suite = load_suite(args.name)
    if args.dry_run:  # printed as each run is planned: a large matrix shows progress at once
        count = planned_count(suite)
        print(f"suite {suite.name} ({suite.source}): {count} run{'' if count == 1 else 's'}", flush=True)
        for line in dry_run_lines(iter_plan(suite, args.timeout), args.force):
            print(line, flush=True)
        return 0
    planned = plan_suite(suite, args.timeout)
    report = _launcher(args).run_suite(suite, planned, html=not args.no_html, redacted=args.redact, force=args.force)
    if report is None:  # submitted, not waited for
        return 0
    print(report.summary())
    for outcome in report.failed:
        print(f"  {outcome.status}: {outcome.label}: {outcome.detail} ({outcome.run_dir})", file=sys.stderr)
    if report.interrupted:
        return 130
    if not args.no_index:
        from perfkit.jobs.index_build import rebuild_index_after_runs

        index = rebuild_index_after_runs(redacted=args.redact)
        if index is not None:
            print(f"index: {index}")
    return suite_exit_code(len(report.failed))


def _cmd_report(args: argparse.Namespace) -> int:
    from perfkit.jobs.index_build import build_index

    if args.markdown:
        from perfkit import paths
        from perfkit.importing import load_references, references_dir
        from perfkit.report.flagperf_base import published_rows, sheet_from_record, sheet_rows, write_pages
        from perfkit.report.index import load_runs
        from perfkit.report.markdown import README_DIR, write_readmes
        from perfkit.results import vocabulary as vocab
        from perfkit.results.run_folder import runs_root

        reports = Path(args.reports).resolve() if args.reports else paths.reports_dir()
        runs = [r for _, r in load_runs(reports)]  # first: it names a bad reports folder in one line
        references = load_references(references_dir(reports))
        specs = [r for r in runs if r.kind == vocab.SPECS and r.status == vocab.OK]  # spec sheets: FlagPerf's base layout
        written = write_readmes([r for r in runs if r.kind != vocab.SPECS], reports / README_DIR, references)
        sheets = [row for r in sorted(specs, key=lambda r: r.finished_at, reverse=True)
                  for row in sheet_rows(sheet_from_record(r))]  # the latest run first: its page wins
        written += write_pages(sheets + published_rows(references), reports / README_DIR)
        print("\n".join(map(str, written)) if written else f"no results under {runs_root(reports)} and no imported "
              f"pages: no README written")
        return 0
    index = build_index(Path(args.reports) if args.reports else None, redacted=args.redact, reference_run=args.reference_run)
    print(index)
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from perfkit import paths
    from perfkit.importing import import_pages, references_dir

    reports = Path(args.reports).resolve() if args.reports else paths.reports_dir()
    result = import_pages([Path(name) for name in args.files], references_dir(reports), args.benchmark, args.vendor,
                          strict=args.strict)
    if len(args.files) == 1 and result.refused:  # one page, refused: the usual one-line error, exit 2
        raise UserError(result.refused[0])
    for line in result.refused:
        print(f"refused: {line}", file=sys.stderr)
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for page, written in zip(result.pages, result.written, strict=False):
        numbers = sum(1 for row in page.rows for v in row.metrics.values()
                      if isinstance(v, (int, float)) and not isinstance(v, bool))
        print(f"{page.path}: {page.benchmark}/{page.vendor} {page.kind}, {len(page.rows)} rows, {numbers} values, "
              f"{len(page.warnings)} warnings -> {written}")
    if result.refused:
        kept = "nothing written (--strict)" if args.strict or not result.pages else f"{len(result.written)} imported"
        print(f"{len(result.refused)} of {len(args.files)} pages refused; {kept}", file=sys.stderr)
    return result.exit_code


def _cmd_init(args: argparse.Namespace) -> int:
    from perfkit.jobs.init_folder import init_folder

    done = init_folder(Path(args.dir), args.kernel)
    for path in done.written:
        print(path)
    if done.kernel:
        print(f"kernel 'perfkit' (Python (perfkit), {sys.executable}) -> {done.kernel}")
    print(f"next: cd {args.dir} && perfkit run bert --vendor cpu --config smoke  (or: jupyter lab notebooks/)")
    return 0


def _cmd_env(args: argparse.Namespace) -> int:
    from perfkit.results.environment import collect_environment
    from perfkit.vendors import get_vendor

    vendor = get_vendor(args.vendor)
    print(json.dumps(collect_environment(vendor.environment()), indent=2, ensure_ascii=False))
    return 0


def _cmd_data_build(args: argparse.Namespace) -> int:
    from perfkit.benchmarks import benchmark_class
    from perfkit.data.locking import FolderLock
    from perfkit.data.staging import check_build_target, clear_for_build
    from perfkit.params import params_from_overrides, parse_overrides

    cls = benchmark_class(args.benchmark)
    params = params_from_overrides(cls.params_model, parse_overrides(args.set or []))
    out = Path(args.out)
    started = time.perf_counter()
    # exclusive: never while a run reads this folder (it holds a shared lock) or another build
    # writes it; the lock file is made only once the checks pass, and goes if the build fails
    lock = FolderLock(check_build_target(out, args.force)).require(exclusive=True, doing="build it")
    try:
        clear_for_build(out, args.force)
        content = cls(params).build_data(out)
    except BaseException:
        lock.discard()
        raise
    lock.release()
    print(f"{args.benchmark} dataset -> {args.out} (sha256 {content[:16]}, {time.perf_counter() - started:.1f} s)")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from perfkit import paths

    which = args.which
    if which in ("harness", "all"):
        from perfkit.selfcheck import harness

        for name in args.benchmark or ["bert"]:
            print(harness.run(name, args.steps, args.pairs, on_pair=harness.print_pair), flush=True)
    if which in ("timing", "all"):
        from perfkit.selfcheck import timing_cost

        print(timing_cost.report(args.step_seconds), flush=True)
    if which in ("pipeline", "all"):
        from perfkit.selfcheck import pipeline

        print(pipeline.report(paths.reports_dir()), flush=True)
    if which in ("peak", "all"):
        import torch

        from perfkit.engine.peak import measured_peak
        from perfkit.vendors import get_vendor

        vendor = get_vendor(args.vendor)
        device = vendor.device(0)
        accelerator = str(vendor.environment().get("accelerator", ""))
        for name, torch_dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            peak = measured_peak(device, accelerator, torch_dtype, vendor.synchronize, remeasure=True)
            print(f"GEMM peak on {args.vendor} ({device}), {name}: {peak.tflops:.3f} TFLOP/s ({peak.source})", flush=True)
    if which in ("gemm", "all"):
        from perfkit.selfcheck import gemm_check
        from perfkit.vendors import get_vendor

        vendor = get_vendor(args.vendor)
        vendor.check_available()
        on_cpu = vendor.device(0).type == "cpu"
        dtype = args.dtype or ("fp32" if on_cpu else "bf16")
        size = args.size or (1024 if on_cpu else 4096)  # the CPU: the size its MFU peak and smoke sheet use
        pairs = gemm_check.measure(vendor, dtype, size, args.pairs or 5)
        print(gemm_check.report(vendor, dtype, size, pairs), flush=True)
    if which in ("overhead", "all"):
        from perfkit.selfcheck import overhead

        print(overhead.report_repeated(overhead.measure_repeated(args.repeat)), flush=True)
    return 0


LIST_WHAT = ("benchmarks", "vendors", "configs", "suites", "backends")


def _known(value: str, names: list[str], what: str, flag: str) -> str:
    """``value`` when it names one of ``names``; a UserError (exit 2) listing them otherwise."""
    if value not in names:
        raise UserError(f"{flag}: unknown {what} {value[:80]!r}; allowed: {', '.join(names) or 'none'}")
    return value


def list_lines(what: str, benchmark: str = "", vendor: str = "") -> list[str]:
    """What ``perfkit list WHAT`` prints, one name (or run id for configs) a line. ``benchmark``
    and ``vendor`` narrow configs (and vendors: those with configs of ``benchmark``); an
    unknown one is an error, whatever is listed."""
    from perfkit.params import sources

    config_benchmarks = sources.list_benchmarks()
    if benchmark:
        sources.check_name(benchmark, "benchmark")
        _known(benchmark, config_benchmarks, "benchmark", "--benchmark")
    if vendor:
        sources.check_name(vendor, "vendor")
        with_configs = sorted({v for b in config_benchmarks for v in sources.list_vendors(b)})
        if vendor not in with_configs:  # only then the adapters (and torch) are imported
            from perfkit.vendors.registry import available_vendors

            _known(vendor, sorted(set(available_vendors()) | set(with_configs)), "vendor", "--vendor")
    if what == "benchmarks":
        from perfkit.benchmarks import benchmark_names

        return [benchmark] if benchmark else benchmark_names()
    if what == "vendors":
        from perfkit.vendors.registry import available_vendors

        names = sources.list_vendors(benchmark) if benchmark else available_vendors()
        return [v for v in names if not vendor or v == vendor]
    if what == "backends":
        from perfkit.inference.registry import backend_names

        return backend_names()
    if what == "suites":
        return sources.list_suites()
    benchmarks = [benchmark] if benchmark else config_benchmarks
    lines: list[str] = []
    for name in benchmarks:
        vendors = [vendor] if vendor else sources.list_vendors(name)
        lines.extend(f"{name}/{v}/{config}" for v in vendors for config in sources.list_configs(name, v))
    return lines


def _cmd_list(args: argparse.Namespace) -> int:
    if args.what:
        lines = list_lines(args.what, args.benchmark, args.vendor)
        print("\n".join(lines) if lines else f"no {args.what}", file=sys.stdout if lines else sys.stderr)
        return 0
    sections = {what: list_lines(what, args.benchmark, args.vendor) for what in LIST_WHAT}  # errors before output
    for what, lines in sections.items():
        print(f"{what}:")
        print("\n".join(f"  {line}" for line in lines) or "  (none)")
    return 0


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs kept as written (examples line up); like
    ``argparse.ArgumentDefaultsHelpFormatter``, every option with a meaningful default shows it,
    unless its help already says the default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (not action.option_strings or "default" in text or action.default in (None, False, "")
                or action.default is argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)"


EXIT_CODES = ("exit codes:\n  0      success\n  1      a run failed (compare: a regression)\n"
              "  2      bad usage, params or data (one line on stderr)\n"
              "  3      compare: no regression, but a pair got no verdict (inconclusive, params differ)\n"
              "  100+N  suite: N runs did not end ok (at most 125)\n"
              "  130    interrupted (Ctrl-C, SIGTERM, SIGHUP)")
TOP_EPILOG = ("examples:\n"
              "  perfkit list configs                         every benchmark/vendor/config there is\n"
              "  perfkit run bert --vendor cpu --config smoke  one run; report under reports/runs/bert/cpu/smoke/\n"
              "  perfkit suite smoke --dry-run                what a suite would run\n"
              "  perfkit report                               rebuild reports/index.html\n"
              "  perfkit compare baseline-reports/ reports/   did it get faster or slower?\n"
              "  perfkit COMMAND --help                       a command's arguments and examples\n\n"
              "bare `perfkit` prints this help and exits 0.\n\n" + EXIT_CODES)
JOIN_FORM = ("perfkit join --prepared FILE --rdzv-endpoint HOST:PORT --node-rank K (FILE: the prepared run node 0 "
             "wrote and printed; the run comes from it, not from a benchmark, --vendor, --config or --set)")
EXAMPLES = {
    "run": ["perfkit run bert --vendor cpu --config smoke",
            "perfkit run bert --config smoke --set max_steps=20 --set batch_size=8",
            "perfkit run bert_inference --config smoke --quiet --no-index",
            "perfkit run bert --vendor nvidia --config smoke --launcher slurm --partition gpu"],
    "join": ["perfkit join --prepared reports/jobs/prepared/join-0123456789abcdef0123.json "
             "--rdzv-endpoint node0:29400 --node-rank 1",
             "ssh node1 perfkit join --prepared - --rdzv-endpoint node0:29400 --node-rank 1 < FILE"],
    "suite": ["perfkit suite smoke --dry-run", "perfkit suite smoke", "perfkit suite ./my_suite.yaml --force"],
    "status": ["perfkit status", "perfkit status --suite smoke --cancel"],
    "report": ["perfkit report", "perfkit report --redact --reference-run bert/cpu/smoke",
               "perfkit report --markdown"],
    "import": ["perfkit import FlagPerf/training/benchmarks/bert/README.md --benchmark bert"],
    "env": ["perfkit env --vendor cpu"],
    "init": ["perfkit init bench", "perfkit init bench --kernel user"],
    "bench": ["perfkit bench harness --benchmark bert --pairs 10", "perfkit bench peak --vendor cpu",
              "perfkit bench gemm --vendor cpu --dtype bf16"],
    "list": ["perfkit list", "perfkit list configs --benchmark bert", "perfkit list vendors"],
    "data": ["perfkit data build bert --out data/bert_small"],
    "build": ["perfkit data build bert --out data/bert_small --set seq_len=64"],
}


def _finish_help(parser: argparse.ArgumentParser, name: str) -> None:
    """Every command parser: the house formatter, a description, examples and exit codes."""
    parser.formatter_class = HelpFormatter
    if parser.description is None:
        parser.description = _HELP_OF.get(name, "")
    if parser.epilog is None:
        examples = "\n".join(f"  {line}" for line in EXAMPLES.get(name, []))
        parser.epilog = (f"examples:\n{examples}\n\n" if examples else "") + EXIT_CODES
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child_name, child in action.choices.items():
                _HELP_OF.setdefault(child_name, next((a.help for a in action._choices_actions
                                                      if a.dest == child_name), ""))
                _finish_help(child, child_name)


_HELP_OF: dict[str, str | None] = {}  # a subcommand's help line (None: it has none)


def _add_launcher_options(parser: argparse.ArgumentParser, launchers, suite: bool = False) -> None:
    names = launchers.names()
    parser.add_argument("--launcher", choices=names, default="local",
                        help="where the notebook runs: local (here, the default), slurm (an sbatch job or array task per run, "
                             "docs/cluster.md)" + (f"; also {', '.join(names[2:])}" if len(names) > 2 else ""))
    for name in names:
        try:
            cls = launchers.load(name)
        except UserError:  # a broken plug-in: the help still works; choosing it says what is wrong
            continue
        cls.add_arguments(parser, suite)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error a user can cause; exit 2. A command
    with a ``form`` names it in each of its usage errors, its own unknown arguments included
    (which argparse would otherwise report from the top parser, without the command)."""

    form = ""

    def error(self, message: str) -> None:  # type: ignore[override]
        text = " ".join(message.split())
        form = f"; usage: {self.form}" if self.form else ""
        self.exit(2, f"perfkit: error: {text}{form} (see '{self.prog} --help')\n")

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and self.form:
            self.error(f"unrecognized arguments: {' '.join(extras)[:200]}")
        return namespace, extras


def build_parser() -> argparse.ArgumentParser:
    from perfkit.slurm.status import add_status_command

    launchers = job_launchers()
    parser = _Parser(prog="perfkit", description=" ".join(__doc__.split("\n\n")[0].split()),
                                     epilog=TOP_EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"perfkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    run = sub.add_parser("run", help="execute one benchmark notebook and publish its report")
    run.add_argument("benchmark", help="benchmark name (see perfkit list benchmarks)")
    run.add_argument("--vendor", default="cpu", help="vendor adapter and params/BENCHMARK/VENDOR/ folder")
    run.add_argument("--config", default="smoke", help="run config, params/BENCHMARK/VENDOR/CONFIG.yaml")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a param (repeatable)")
    run.add_argument("--timeout", type=timeout_seconds, default=None, help="wall seconds for the whole notebook (> 0)")
    run.add_argument("--wait-lock", action="store_true",
                     help="when another perfkit process is writing the same run folder, wait for it to end "
                          "(default: refuse, exit 2, naming it)")
    run.add_argument("--no-html", action="store_true", help="skip the HTML report")
    run.add_argument("--quiet", action="store_true", help="no live progress bar on stderr, only the final lines")
    run.add_argument("--no-index", action="store_true", help="do not rebuild reports/index.html")
    run.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    run.add_argument("--rdzv-endpoint", default="", metavar="HOST:PORT",
                     help="multi-node: where this node (node 0) hosts the rendezvous (default HOSTNAME:29400)")
    _add_launcher_options(run, launchers)
    run.set_defaults(func=_cmd_run)

    join = sub.add_parser("join", help="multi-node: run this node's workers of a run hosted by node 0")
    join.form = JOIN_FORM
    join.add_argument("--prepared", required=True, metavar="FILE",
                      help="the prepared run node 0 wrote and printed (its params hash is checked); - reads it from stdin")
    join.add_argument("--rdzv-endpoint", required=True, metavar="HOST:PORT", help="node 0's rendezvous")
    join.add_argument("--node-rank", type=int, required=True, metavar="K", help="this node's rank, 1 .. nnodes-1")
    join.set_defaults(func=_cmd_join)

    suite = sub.add_parser("suite", help="execute every run of params/suites/NAME.yaml")
    suite.add_argument("name", help="a suite in params/suites/ or a path to a suite .yaml")
    suite.add_argument("--dry-run", action="store_true", help="list what would run and what would be skipped; run nothing")
    suite.add_argument("--force", action="store_true", help="rerun runs that already have an ok result")
    suite.add_argument("--timeout", type=timeout_seconds, default=None,
                       help="wall seconds per run, over the suite file's (default: the suite file's, else none)")
    suite.add_argument("--no-html", action="store_true", help="skip the per-run HTML reports")
    suite.add_argument("--no-index", action="store_true", help="do not rebuild reports/index.html")
    suite.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    _add_launcher_options(suite, launchers, suite=True)
    suite.set_defaults(func=_cmd_suite)
    add_status_command(sub)

    report = sub.add_parser("report", help="rebuild reports/index.html from the results")
    report.add_argument("--reports", default="", help="reports folder (default: the project's reports/)")
    report.add_argument("--redact", action="store_true", help="strip home paths, user and host names from the HTML")
    report.add_argument("--reference-run", default="", help="run id the loss alignment compares against, e.g. bert/cpu/smoke")
    report.add_argument("--markdown", action="store_true", help="write reports/readme/BENCHMARK/VENDOR/README.md instead of the site")
    report.set_defaults(func=_cmd_report)

    imp = sub.add_parser(
        "import", help="read FlagPerf README pages into reference records (reports/references/)",
        epilog="examples:\n  " + EXAMPLES["import"][0] + "\n\nexit codes: 0 every page imported; 1 some pages refused "
               "(each named file:line), the others imported; 2 nothing imported (every page refused, or --strict and "
               "any page refused)")
    imp.add_argument("files", nargs="+", metavar="FILE", help="FlagPerf README.md pages to import")
    imp.add_argument("--strict", action="store_true", help="import nothing when any page is refused")
    imp.add_argument("--benchmark", default="", help="the benchmark, when the page does not say")
    imp.add_argument("--vendor", default="", help="the vendor, when the page does not say")
    imp.add_argument("--reports", default="", help="reports folder (default: the project's reports/)")
    imp.set_defaults(func=_cmd_import)

    init = sub.add_parser("init", help="copy the notebooks and a params/ overlay to DIR; register the 'perfkit' kernel")
    init.add_argument("dir", metavar="DIR", help="working folder (made when missing); no existing file is overwritten")
    init.add_argument("--kernel", choices=["sys-prefix", "user", "none"], default="sys-prefix",
                      help="where the Jupyter kernel 'perfkit' (this interpreter) is registered: this environment "
                           "(sys-prefix, found by its JupyterLab), your user folder (user), or not at all (none)")
    init.set_defaults(func=_cmd_init)

    env = sub.add_parser("env", help="print the environment record")
    env.add_argument("--vendor", default="cpu", help="vendor whose environment is recorded")
    env.set_defaults(func=_cmd_env)

    bench = sub.add_parser("bench", help="measure perfkit itself: harness overhead, timing cost, pipeline, GEMM peak, "
                                                "GEMM case vs torch.mm, kit overhead")
    bench.add_argument("which", choices=["harness", "timing", "pipeline", "peak", "gemm", "overhead", "all"],
                       help="what to measure")
    bench.add_argument("--vendor", default="cpu", help="vendor whose device the GEMM peak and gemm are measured on")
    bench.add_argument("--benchmark", action="append",
                       help="benchmark(s) for the harness (default bert; bert_inference for the inference loop)")
    bench.add_argument("--steps", type=int, default=None,
                       help="steps (batches) per harness block (default 10 training, 8 inference)")
    bench.add_argument("--pairs", type=int, default=None,
                       help="interleaved pairs (default 40 for the harness, 5 for gemm)")
    bench.add_argument("--dtype", default=None, choices=["fp64", "fp32", "tf32", "fp16", "bf16"],
                       help="gemm: the dtype of the spec case and the hand torch.mm loop (default fp32 on the CPU, "
                            "bf16 on an accelerator)")
    bench.add_argument("--size", type=int, default=None,
                       help="gemm: M=N=K (default 1024 on the CPU, 4096 on an accelerator)")
    bench.add_argument("--step-seconds", type=float, default=0.2, help="typical step time for the timing cost")
    bench.add_argument("--repeat", type=int, default=5, metavar="N",
                       help="overhead: runs one after the other; each is printed and the goal is judged on their "
                            "medians (default 5: a shared machine moves one run by up to ±0.5 s)")
    bench.set_defaults(func=_cmd_bench)

    from perfkit.comparison import command as compare_command

    compare = sub.add_parser("compare", help="compare two result sets per configuration; exit 1 on a regression",
                             description=compare_command.DESCRIPTION, epilog=compare_command.EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    compare_command.add_arguments(compare)
    compare.set_defaults(func=compare_command.run)

    data = sub.add_parser("data", help="dataset tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    build = data_sub.add_parser("build", help="write the small offline dataset in the real format")
    build.add_argument("benchmark", help="benchmark whose dataset format to write")
    build.add_argument("--out", required=True, help="folder to write the dataset into")
    build.add_argument("--set", action="append", metavar="KEY=VALUE", help="benchmark params (seq_len, vocab_size, ...)")
    build.add_argument("--force", action="store_true", help="replace a non-empty folder perfkit did not build")
    build.set_defaults(func=_cmd_data_build)

    listing = sub.add_parser("list", help="list benchmarks, vendors, configs, suites or inference backends")
    listing.add_argument("what", nargs="?", choices=LIST_WHAT, default=None,
                         help="what to list; all of them when left out")
    listing.add_argument("--benchmark", default="", help="configs and vendors: only this benchmark's (an unknown name: exit 2)")
    listing.add_argument("--vendor", default="", help="configs: only this vendor's (an unknown name: exit 2)")
    listing.set_defaults(func=_cmd_list)
    _finish_help(parser, "perfkit")
    return parser


def console(argv: list[str] | None = None) -> NoReturn:
    """The ``perfkit`` command: :func:`main`, then the process ends without tearing the
    interpreter down. A `perfkit run` holds torch, transformers, papermill and nbconvert; freeing
    their modules and objects one by one at exit took ~0.2 s of every command on 2 cores, for a
    process that is about to end anyway. What exit is for still happens: standard output and
    error are flushed and the ``atexit`` functions run (logging's flush, temporary folders,
    ``weakref.finalize``). Where a thread other than daemons is still running, the exit is
    Python's own, which waits for it.

    A ``perfkit run`` starts its notebook's kernel first, before its own imports and parser
    (perfkit.jobs.early_kernel): the kernel boots on one core while the command gets ready on
    the other. A kernel no run took is stopped before the command ends."""
    from perfkit.jobs import early_kernel

    argv = sys.argv[1:] if argv is None else argv
    early = early_kernel.start_for(argv)
    try:
        code = main(argv, early)
    finally:
        if early is not None:
            early.close()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    try:
        atexit._run_exitfuncs()  # the first step of Python's own exit (CPython's, undocumented but stable)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def main(argv: list[str] | None = None, early_kernel: EarlyKernel | None = None) -> int:
    """The command ``argv``; its exit status. ``early_kernel``: the kernel :func:`console`
    started for a ``perfkit run`` (its local launcher runs its notebook in it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else 2
    args.early_kernel = early_kernel
    if args.command is None:  # bare `perfkit`: the help, like `pip` or `docker`, exit 0
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except UserError as exc:
        message = " ".join(str(exc).split("\n"))  # one line, whatever the input held
        print(f"perfkit: error: {message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("perfkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    console()
