"""Telemetry and energy of a run: a background sampler, its sources and the pure arithmetic.

    with telemetry.sampling(vendor, params.telemetry_interval) as session:
        outcome = train(...)
        window = session.window_ending_now(outcome.timings.train_window)
    record.metrics.update(session.summary(window, Work(samples=...)))
    session.save(output_dir)          # telemetry.csv beside result.json

Modules: ``samples`` (the record of one reading), ``sources`` (which source a vendor names and
how it opens), ``host``/``nvml``/``smi_text``/``rapl`` (one source each), ``energy`` (pure
integration and the summary), ``sampler`` (the thread), ``session`` (the context manager),
``store`` (the CSV file), ``timeline`` (the report figure).
"""

from perfkit.telemetry.energy import NOT_MEASURABLE, EnergySummary, Window, Work, summarize
from perfkit.telemetry.samples import COLUMNS, Sample
from perfkit.telemetry.session import TelemetrySession, sampling
from perfkit.telemetry.store import TELEMETRY_FILE, read_samples, write_samples

__all__ = [
    "COLUMNS",
    "NOT_MEASURABLE",
    "TELEMETRY_FILE",
    "EnergySummary",
    "Sample",
    "TelemetrySession",
    "Window",
    "Work",
    "read_samples",
    "sampling",
    "summarize",
    "write_samples",
]
