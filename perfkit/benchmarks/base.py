"""The contract between a training benchmark and the shared engine.

A benchmark says what to train and how to judge it; the engine (perfkit.engine.train_loop)
owns the loop, the clocks and the metrics, so every benchmark is measured the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from perfkit import paths
from perfkit.benchmarks.checkpoint import check_checkpoint, check_complete, load_pretrained
from perfkit.data.autobuild import autobuild, choose_folder, dataset_settings, hold_shared
from perfkit.data.hashing import DataIdentity, identify
from perfkit.data.locking import FolderLock
from perfkit.errors import DataError
from perfkit.files.given_paths import check_given_path
from perfkit.params.schema import RunParams, TrainingParams
from perfkit.results.benchmark_info import BenchmarkInfo

if TYPE_CHECKING:  # the run's distributed context (perfkit.engine, a layer above) is handed in
    from perfkit.engine.distributed import DistContext

Batch = dict[str, torch.Tensor]


class DataFolderRules(ABC):
    """The data-folder rules training and inference benchmarks share: ``data_dir``, or with
    ``data_autobuild`` the folder chosen for the build settings (never another config's data),
    held with a shared lock while the benchmark reads it."""

    info: ClassVar[BenchmarkInfo]
    params: RunParams
    _data_folder: Path
    _data_lock: FolderLock

    def configured_data_dir(self) -> Path:
        """``data_dir`` as the params name it."""
        if not self.params.data_dir:
            raise DataError(f"{self.info.name}: key 'data_dir' is empty; give the dataset folder")
        check_given_path(self.params.data_dir, "key 'data_dir'", DataError)
        return paths.resolve_under(paths.project_root(), self.params.data_dir)

    def data_dir(self) -> Path:
        """The folder the data is read from: ``data_dir``, or with ``data_autobuild`` the folder
        chosen for these build settings (perfkit.data.autobuild: never another config's data)."""
        chosen = getattr(self, "_data_folder", None)
        if chosen is not None:
            return chosen
        configured = self.configured_data_dir()
        wanted = self.build_settings() if self.params.data_autobuild else None
        if wanted is None:
            return configured
        return choose_folder(configured, wanted, dataset_settings)

    @abstractmethod
    def build_data(self, out: Path) -> str:
        """Write the small offline dataset in the real format to ``out``; return its hash."""

    def build_settings(self) -> dict[str, Any] | None:
        """The builder settings these params call for; None when the benchmark cannot tell."""
        return None

    def current_data(self) -> DataIdentity | None:
        """The dataset as it is on disk now; None when prepare_data would build it first."""
        folder = self.data_dir()
        if not folder.is_dir() or (self.params.data_autobuild and not any(folder.iterdir())):
            return None
        return identify(folder)

    def autobuild_or_fail(self, folder: Path, what: str) -> Path:
        """Make sure the data is there and hold a shared lock on it for as long as this object
        lives (a build cannot replace it meanwhile); return the folder to read. With
        ``data_autobuild`` the offline set is built into the folder chosen for these settings
        when it is missing (never over another config's data); otherwise a missing folder is
        the user's to fix. ``folder`` is what ``data_dir()`` said before; the answer may differ
        when another process built data meanwhile."""
        configured = self.configured_data_dir()
        wanted = self.build_settings() if self.params.data_autobuild else None
        if wanted is not None:
            chosen, lock = autobuild(configured, wanted, dataset_settings, self.build_data)
        else:
            if not folder.exists():
                raise DataError(
                    f"data_dir {folder} does not exist: build it with "
                    f"`perfkit data build {self.info.name} --out {folder}` or set data_autobuild: true"
                )
            chosen, lock = folder, hold_shared(folder)
        self._data_folder = chosen
        self._data_lock = lock
        return chosen


class TrainingBenchmark(DataFolderRules):
    params_model: ClassVar[type[TrainingParams]]
    params: TrainingParams

    def __init__(self, params: TrainingParams) -> None:
        self.params = params

    @abstractmethod
    def prepare_data(self) -> DataIdentity:
        """Check the dataset is there and well formed; build it first if data_autobuild allows."""

    @abstractmethod
    def train_dataset(self) -> tuple[torch.utils.data.Dataset, list[int]]:
        """The training set and its group sizes (shards) for the global-batch sampler."""

    @abstractmethod
    def eval_batches(self, rank: int, world_size: int) -> Iterable[Batch]:
        """This rank's share of the evaluation set, batched, on the host."""

    def collate(self, batch: Any) -> Batch:
        return torch.utils.data.default_collate(batch)

    # -- model ------------------------------------------------------------------------------
    def check_model_inputs(self) -> None:
        """Fail fast on a bad local checkpoint (key init_checkpoint) before a run starts: its
        layout, its config, and (where the benchmark names its model class) missing tensors."""
        folder = getattr(self.params, "init_checkpoint", "")
        if not folder:
            return
        model_cls = self.checkpoint_model_class()
        if model_cls is None:
            check_checkpoint(folder, self.model_config())
        else:
            check_complete(model_cls, folder, self.model_config(), self.params.allow_partial_checkpoint)

    def model_config(self) -> Any:
        """The model's configuration (a transformers config or the benchmark's own), which a
        checkpoint in init_checkpoint is checked against and loaded with."""
        raise NotImplementedError(f"{self.info.name}: the benchmark declares no model_config")

    def checkpoint_model_class(self) -> type | None:
        """The transformers class a checkpoint in init_checkpoint is loaded into (for the
        preflight's missing-tensor check); None: checked at load only."""
        return None

    def pretrained(self, model_cls) -> torch.nn.Module | None:
        """The model from the local checkpoint folder in init_checkpoint; None when there is none."""
        folder = getattr(self.params, "init_checkpoint", "")
        if not folder:
            return None
        return load_pretrained(model_cls, folder, self.model_config(), self.params.allow_partial_checkpoint)

    @abstractmethod
    def build_model(self) -> torch.nn.Module:
        """The model, on the host, seeded; from a local checkpoint when the params name one."""

    def parallelize(self, model: torch.nn.Module, ctx: DistContext, device: torch.device) -> bool:
        """Spread the model over the processes in place (say FSDP), before the optimizer is
        built; True: it is data-parallel now and the engine adds no DDP. Reference: nothing."""
        return False

    def extra_metrics(self, metrics: dict[str, Any], loss_curve: list[float], world_size: int) -> dict[str, Any]:
        """Metrics of the benchmark's own on top of the engine's (say tokens per chip per second)."""
        return {}

    @abstractmethod
    def build_optimizer(self, model: torch.nn.Module) -> tuple[torch.optim.Optimizer, Any]:
        """Optimizer and learning-rate scheduler (stepped once per optimizer step)."""

    @abstractmethod
    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        """Scalar loss of one micro-batch already on the device."""

    @abstractmethod
    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        """(correct, total) of one eval batch on the device, for the quality metric."""

    @abstractmethod
    def target(self) -> float:
        """The quality the run must reach to count as converged."""

    @abstractmethod
    def flops_per_sample(self) -> float:
        """Analytic model FLOPs of one training sample (forward + backward)."""

    def tokens_per_sample(self) -> int | None:
        """Tokens in one sample, for tokens per joule; None where samples are not token sequences."""
        return None

    def fix_hp(self) -> str:
        """The seeds' fix_hp column: the hyper-parameters a vendor set to fill the card."""
        return f"bs={self.params.batch_size},lr={self.params.learning_rate:g}"


def to_device(batch: Batch, device: torch.device) -> Batch:
    non_blocking = device.type != "cpu"
    return {key: value.to(device, non_blocking=non_blocking) for key, value in batch.items()}
