"""Which failures are ``crashed`` (a process died outright) and which ``failed`` (a Python error):
the distributed launcher's verdict and the DataLoader worker's death as PyTorch reports it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from perfkit.engine.faults import InjectedFault
from perfkit.run.elastic import died_outright
from perfkit.run.execute import crash_status


def _failure(error_file: str = "", message: str = "", exitcode: int = 1, timestamp: float = 1.0):
    return SimpleNamespace(error_file=error_file, message={"message": message}, exitcode=exitcode, timestamp=timestamp)


@pytest.mark.parametrize("text", [
    "DataLoader worker (pid(s) 4242, 4243) exited unexpectedly",
    "DataLoader worker (pid 4242) is killed by signal: Killed. ",
    "DataLoader worker (pid 17) exited unexpectedly with exit code 17. Details are lost due to multiprocessing.",
])
def test_a_dataloader_worker_death_is_crashed(text):
    assert crash_status(RuntimeError(text)) == "crashed"


@pytest.mark.parametrize("exc", [
    RuntimeError("CUDA error: out of memory"), InjectedFault("injected failure at step 2 (rank 0)"),
    ValueError("DataLoader worker (pid 1) exited unexpectedly"),  # not how PyTorch reports it
    RuntimeError("worker exited unexpectedly"),
])
def test_other_errors_are_failed(exc):
    assert crash_status(exc) == "failed"


def test_a_worker_that_left_no_error_file_died_outright(tmp_path):
    recorded = tmp_path / "error.json"
    recorded.write_text("{}")
    killed_first = {1: _failure(exitcode=-9, timestamp=1.0), 0: _failure(str(recorded), "RuntimeError: peer", 1, 2.0)}
    assert died_outright(killed_first)
    assert died_outright({1: _failure(exitcode=17)})  # os._exit


def test_a_worker_python_error_fails_unless_it_names_a_dead_dataloader_worker(tmp_path):
    recorded = tmp_path / "error.json"
    recorded.write_text("{}")
    assert not died_outright({0: _failure(str(recorded), "InjectedFault: injected failure")})
    collateral = {0: _failure(str(recorded), "InjectedFault: x", 1, 1.0), 1: _failure(exitcode=-15, timestamp=2.0)}
    assert not died_outright(collateral)  # the one stopped by the agent (SIGTERM) is not the cause
    assert died_outright({0: _failure(str(recorded), "RuntimeError: DataLoader worker (pid 9) exited unexpectedly")})
    assert not died_outright({})


def test_a_signal_during_the_elastic_launch_is_an_interrupt_not_a_traceback(monkeypatch, tmp_path):
    """torch's agent turns SIGTERM into SignalException after stopping the workers; perfkit ends
    the run the way Ctrl-C does (run: interrupted; join and Slurm nodes: exit 130)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException

    from perfkit.run import elastic
    from perfkit.run.spec import prepare

    def launch(config, entrypoint):
        def run(*args):
            raise SignalException("Process 1 got signal: 15", sigval=15)
        return run

    monkeypatch.setattr(elastic, "elastic_launch", launch)
    monkeypatch.setattr(elastic, "benchmark_class", lambda name: lambda params: SimpleNamespace(prepare_data=lambda: None))
    run = prepare("bert", "cpu", "cpux1x2", {"data_dir": str(tmp_path)}, tmp_path / "out")
    with pytest.raises(KeyboardInterrupt):
        elastic.launch_node(run, elastic.NodeLaunch(1, 2, 0, "127.0.0.1:29500"), elastic.execute)
