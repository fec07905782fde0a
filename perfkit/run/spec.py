"""The run spec: what one run is, resolved once on the host.

``prepare`` resolves the params and hardware of a benchmark/vendor/config plus overrides into a
:class:`PreparedRun`. The host serializes it (:func:`to_payload`) for the notebook kernel and the
distributed workers, which rebuild it with :func:`from_payload` and verify the params hash
instead of resolving the YAML layers again. ``initial_record`` is the record of the run before it
measured anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from perfkit import __version__
from perfkit.benchmarks import declaration
from perfkit.errors import ParamsError, UserError
from perfkit.params import ResolvedParams, resolve_params
from perfkit.params.hardware import HardwareSpec, load_hardware
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, utc_now
from perfkit.results.run_folder import RESULT_FILE

if TYPE_CHECKING:
    from perfkit.scenarios import Scenario


@dataclass(frozen=True)
class PreparedRun:
    resolved: ResolvedParams
    hardware: HardwareSpec
    output_dir: Path

    @property
    def benchmark(self) -> str:
        return self.resolved.benchmark

    @property
    def kind(self) -> str:
        """"training" or "inference", from the benchmark's declaration (no torch)."""
        return declaration(self.resolved.benchmark).kind

    @property
    def scenario(self) -> Scenario:
        """Training or inference: the one place that answers the question (imports torch)."""
        from perfkit.scenarios import scenario_named

        return scenario_named(self.kind)

    @property
    def result_path(self) -> Path:
        return self.output_dir / RESULT_FILE


def parse_overrides_text(text: str | dict | None) -> dict[str, Any]:
    """The notebook's ``overrides`` parameter: a JSON object (or a dict from papermill -y)."""
    if not text:
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParamsError(f"parameter 'overrides': not a JSON object ({exc.msg} at column {exc.colno})") from None
    except ValueError:  # an integer over Python's 4,300-digit limit
        raise ParamsError("parameter 'overrides': a whole number has more than 4300 digits") from None
    if not isinstance(value, dict):
        raise ParamsError("parameter 'overrides': must be a JSON object such as {\"max_steps\": 20}")
    return value


def prepare(
    benchmark: str,
    vendor: str,
    config: str,
    overrides: dict[str, Any] | str | None = None,
    output_dir: str | Path | None = None,
) -> PreparedRun:
    resolved = resolve_params(benchmark, declaration(benchmark).params_model, vendor, config,
                              parse_overrides_text(overrides))
    hardware = load_hardware(resolved.hardware)
    out = Path(output_dir) if output_dir else run_folder.run_dir(benchmark, vendor, config)
    return PreparedRun(resolved=resolved, hardware=hardware, output_dir=out)


def to_payload(run: PreparedRun) -> str:
    """The resolved run as JSON, the one form a run travels in: to the notebook kernel (its
    ``resolved`` parameter), the distributed workers, a Slurm job's nodes and its settling
    (perfkit.slurm: the job's prepared-run file), the nodes that ``perfkit join`` a multi-node
    run (perfkit.run.rendezvous: the prepared-run file node 0 writes). See :func:`from_payload`."""
    return json.dumps({"run": run.resolved.to_dict(), "output_dir": str(run.output_dir)}, sort_keys=True)


def from_payload(text: str, output_dir: str | Path | None = None, shown: str = "parameter 'resolved'") -> PreparedRun:
    """Rebuild a run the host resolved, and check its params hash: a different perfkit or params
    schema on this side, or an edited payload, would otherwise run something else than the host
    asked for. ``shown``: what the payload came from, for the one-line error (a ParamsError)."""
    try:
        data = json.loads(text)
        run, folder = data["run"], data["output_dir"]
        benchmark = run["benchmark"]
        model = declaration(benchmark).params_model
        resolved = ResolvedParams(
            benchmark=benchmark, vendor=run["vendor"], config=run["config"], params=model(**run["params"]),
            config_file=run["config_file"], description=run["description"], hardware=run["hardware"],
            nnodes=run["nnodes"], nproc_per_node=run["nproc_per_node"], allow_nonstandard=run["allow_nonstandard"],
            nonstandard_keys=tuple(run["nonstandard_keys"]), overrides=dict(run["overrides"]),
        )
        recorded = run["params_hash"]
    except UserError as exc:  # an unknown benchmark
        raise ParamsError(f"{shown}: {exc}") from None
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # pydantic's ValidationError is a ValueError
        reason = " ".join(str(exc).split())[:200]
        raise ParamsError(f"{shown}: not a run resolved by perfkit ({type(exc).__name__}: {reason})") from None
    if resolved.params_hash != recorded:
        raise ParamsError(
            f"{shown}: params hash mismatch for {benchmark}/{resolved.vendor}/{resolved.config}: recorded "
            f"{str(recorded)[:40]}, recomputed here {resolved.params_hash} (an edited payload, or a different "
            "perfkit or params schema here)"
        )
    return PreparedRun(resolved, load_hardware(resolved.hardware), Path(output_dir or folder))


def load_payload_file(path: Path, output_dir: str | Path | None = None) -> PreparedRun:
    """A run saved by :func:`save_payload_file`, its params hash checked; a ParamsError naming
    the file when it is missing, too large, not a payload or does not match its hash."""
    from perfkit.files.reading import JSON_LIMIT, read_text_bounded

    return from_payload(read_text_bounded(path, JSON_LIMIT, ParamsError), output_dir, shown=str(path))


def load_payload_stream(handle: BinaryIO, shown: str, output_dir: str | Path | None = None) -> PreparedRun:
    """A run piped in (stdin), read as :func:`load_payload_file` reads a file: bounded, its
    params hash checked; a ParamsError naming ``shown`` otherwise."""
    from perfkit.files.reading import JSON_LIMIT, read_stream_bounded

    return from_payload(read_stream_bounded(handle, JSON_LIMIT, ParamsError, shown), output_dir, shown=shown)


def save_payload_file(run: PreparedRun, path: Path, root: Path | None = None) -> Path:
    """Write the run's payload to ``path`` (atomically); with ``root``, every folder between
    ``root`` and the file must be a real folder (perfkit.results.store.write_text_atomic)."""
    from perfkit.results.store import write_text_atomic

    write_text_atomic(path, to_payload(run), root=root)
    return path


def notebook_parameters(run: PreparedRun) -> dict[str, Any]:
    """The notebook's parameters for this run, all taken from the run itself: the payload
    (``resolved``, whose hash the kernel checks), and beside it the vendor, run config and every
    override the run was resolved with (a sweep point's values included), so that the saved
    notebook, run again with ``resolved`` emptied, resolves the same params hash. A sweep point
    records its point's name as its config; its ``config`` parameter is the file it came from."""
    resolved = run.resolved
    return {
        "vendor": resolved.vendor,
        "config": source_config(resolved),
        "overrides": json.dumps(resolved.overrides, sort_keys=True),
        "output_dir": str(run.output_dir),
        "resolved": to_payload(run),
    }


def source_config(resolved: ResolvedParams) -> str:
    """The run config the params came from: the stem of ``params/<benchmark>/<vendor>/<config>.yaml``."""
    name = PurePosixPath(resolved.config_file.replace("\\", "/")).name
    return name[: -len(".yaml")] if name.endswith(".yaml") else resolved.config


def initial_record(run: PreparedRun, started: str = "", status: str = vocab.FAILED) -> RunResult:
    """The record of a run before it measured anything: what was asked and where."""
    resolved = run.resolved
    return RunResult(
        benchmark=resolved.benchmark,
        vendor=resolved.vendor,
        config=resolved.config,
        status=status,
        kit_version=__version__,
        started_at=started or utc_now(),
        finished_at="",
        run=resolved.to_dict(),
        environment={},
        hardware=run.hardware.to_dict(),
        data={},
        seeds={"seed": resolved.params.seed},
        kind=run.kind,
        benchmark_info=declaration(resolved.benchmark).info.to_dict(),
    )


__all__ = ["PreparedRun", "from_payload", "initial_record", "load_payload_file", "load_payload_stream",
           "notebook_parameters", "parse_overrides_text", "prepare", "save_payload_file", "source_config", "to_payload"]
