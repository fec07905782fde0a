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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfkit import __version__
from perfkit.benchmarks import declaration
from perfkit.errors import ParamsError
from perfkit.params import ResolvedParams, resolve_params
from perfkit.params.hardware import HardwareSpec, load_hardware
from perfkit.results import run_folder
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
    """The resolved run as JSON, for the kernel and the workers (see :func:`from_payload`)."""
    return json.dumps({"run": run.resolved.to_dict(), "output_dir": str(run.output_dir)}, sort_keys=True)


def from_payload(text: str, output_dir: str | Path | None = None) -> PreparedRun:
    """Rebuild a run the host resolved, and check its params hash: a different perfkit or params
    schema on this side would otherwise run something else than the host asked for."""
    try:
        data = json.loads(text)
        run, folder = data["run"], data["output_dir"]
        benchmark = run["benchmark"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ParamsError(f"parameter 'resolved': not a run resolved by perfkit ({exc})") from None
    model = declaration(benchmark).params_model
    resolved = ResolvedParams(
        benchmark=benchmark, vendor=run["vendor"], config=run["config"], params=model(**run["params"]),
        config_file=run["config_file"], description=run["description"], hardware=run["hardware"],
        nnodes=run["nnodes"], nproc_per_node=run["nproc_per_node"], allow_nonstandard=run["allow_nonstandard"],
        nonstandard_keys=tuple(run["nonstandard_keys"]), overrides=dict(run["overrides"]),
    )
    if resolved.params_hash != run["params_hash"]:
        raise ParamsError(
            f"params hash mismatch for {benchmark}/{resolved.vendor}/{resolved.config}: the host resolved "
            f"{run['params_hash']}, this process {resolved.params_hash} (a different perfkit or params schema here)"
        )
    return PreparedRun(resolved, load_hardware(resolved.hardware), Path(output_dir or folder))


def initial_record(run: PreparedRun, started: str = "", status: str = "failed") -> RunResult:
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


__all__ = ["PreparedRun", "from_payload", "initial_record", "parse_overrides_text", "prepare", "to_payload"]
