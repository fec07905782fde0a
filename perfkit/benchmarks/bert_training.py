"""BERT pre-training (masked LM + next sentence), the MLPerf/FlagPerf case of seeds 000 and 002.

Defaults are the public reference: BERT-large (24 layers, hidden 1024, 16 heads), sequence 512,
76 predictions per sequence, LAMB with linear warm-up and polynomial decay, target mlm_accuracy
0.720 on the 10k-sample eval set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch

from perfkit.benchmarks.base import Batch, TrainingBenchmark
from perfkit.benchmarks.bert_model import bert_config, bert_encoder_mlm_forward_flops
from perfkit.benchmarks.declared.bert import INFO, BertParams
from perfkit.benchmarks.optim import Lamb, fast_kernels, no_decay_groups, warmup_poly_schedule
from perfkit.data import mlperf_bert
from perfkit.data.build_bert import BertBuildSettings, build_bert_dataset
from perfkit.data.hashing import DataIdentity, identify
from perfkit.errors import DataError
from perfkit.params.schema import TrainingParams

VALUE_CHECK_BYTES = 256 << 20  # preflight reads every shard's values when the set is this small


class BertTraining(TrainingBenchmark):
    info = INFO
    params_model: ClassVar[type[TrainingParams]] = BertParams
    params: BertParams

    # -- data -------------------------------------------------------------------------------
    def _build_settings(self) -> BertBuildSettings:
        p = self.params
        return BertBuildSettings(
            seq_len=p.seq_len,
            max_predictions_per_seq=p.max_predictions_per_seq,
            vocab_size=p.vocab_size,
            train_dir=p.train_dir,
            eval_dir=p.eval_dir,
        )

    def build_settings(self) -> dict:
        return asdict(self._build_settings())

    def build_data(self, out: Path) -> str:
        return build_bert_dataset(out, self._build_settings())

    def _folders(self) -> tuple[Path, Path]:
        root = self.data_dir()
        return root / self.params.train_dir, root / self.params.eval_dir

    def prepare_data(self) -> DataIdentity:
        root = self.autobuild_or_fail(self.data_dir(), "bert")
        train, evaluation = self._folders()
        shards = mlperf_bert.list_shards(train, "training")
        eval_files = mlperf_bert.list_shards(evaluation, "eval")
        p = self.params
        for shard in eval_files + shards:  # layout, dtypes and width of every shard, without the data
            mlperf_bert.shard_length(shard, p.seq_len)
        # the values too (ids < vocab_size, positions inside the sequence): every shard when the set
        # is small, else the eval file and the first training shard; the rest are checked as read
        total = sum(path.stat().st_size for path in eval_files + shards)
        checked = eval_files + shards if total <= VALUE_CHECK_BYTES else eval_files[:1] + shards[:1]
        masked, rows = 0, 0
        for shard in checked:
            arrays = mlperf_bert.read_shard(shard, p.vocab_size, p.seq_len)
            if shard in eval_files and rows < p.eval_samples:  # what eval_batches will score
                take = arrays["masked_lm_ids"][: p.eval_samples - rows]
                masked, rows = masked + int((take != 0).sum()), rows + len(take)
        if not masked and (rows >= p.eval_samples or set(eval_files) <= set(checked)):
            raise DataError(f"{evaluation}: the first {rows} eval samples hold no masked tokens "
                            "(masked_lm_ids all 0), so there is no accuracy to measure")
        return identify(root)

    def train_dataset(self):
        train, _ = self._folders()
        dataset = mlperf_bert.BertShardDataset(mlperf_bert.list_shards(train, "training"),
                                               vocab_size=self.params.vocab_size, seq_len=self.params.seq_len)
        return dataset, dataset.lengths

    def collate(self, batch):
        return mlperf_bert.passthrough(batch)

    def eval_batches(self, rank: int, world_size: int) -> Iterable[Batch]:
        _, evaluation = self._folders()
        columns: dict[str, list[np.ndarray]] = {key: [] for key in mlperf_bert.KEYS}
        for path in mlperf_bert.list_shards(evaluation, "eval"):
            data = mlperf_bert.read_shard(path, self.params.vocab_size, self.params.seq_len)
            for key in mlperf_bert.KEYS:
                columns[key].append(data[key])
        arrays = {key: np.concatenate(parts)[: self.params.eval_samples][rank::world_size] for key, parts in columns.items()}
        size = self.params.eval_batch_size
        for start in range(0, len(arrays["input_ids"]), size):
            yield mlperf_bert.to_model_inputs({key: value[start : start + size] for key, value in arrays.items()})

    # -- model ------------------------------------------------------------------------------
    def model_config(self):
        return bert_config(self.params, self.params.seq_len)

    def checkpoint_model_class(self) -> type:
        from transformers import BertForPreTraining

        return BertForPreTraining

    def build_model(self) -> torch.nn.Module:
        from transformers import BertForPreTraining

        torch.manual_seed(self.params.seed)
        return self.pretrained(BertForPreTraining) or BertForPreTraining(self.model_config())

    def build_optimizer(self, model: torch.nn.Module):
        p = self.params
        groups = no_decay_groups(model, p.weight_decay)
        optimizer: torch.optim.Optimizer
        if p.optimizer == "lamb":
            optimizer = Lamb(groups, lr=p.learning_rate, betas=(p.beta1, p.beta2))
        else:
            optimizer = torch.optim.AdamW(groups, lr=p.learning_rate, betas=(p.beta1, p.beta2), **fast_kernels(model))
        return optimizer, warmup_poly_schedule(optimizer, p.warmup_steps, p.max_steps, p.poly_power)

    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        return model(**batch).loss

    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        labels = batch["labels"]
        inputs = {k: v for k, v in batch.items() if k not in ("labels", "next_sentence_label")}
        logits = model(**inputs).prediction_logits
        masked = labels != -100
        correct = (logits.argmax(dim=-1)[masked] == labels[masked]).sum()
        return float(correct.item()), float(masked.sum().item())

    def target(self) -> float:
        return self.params.target_mlm_accuracy

    def tokens_per_sample(self) -> int | None:
        return self.params.seq_len

    def flops_per_sample(self) -> float:
        """Forward FLOPs x 3 (backward costs twice the forward), per sequence of seq_len tokens:
        the encoder and MLM head (bert_flops), plus the pooler and next-sentence head per sequence."""
        p = self.params
        h = p.hidden_size
        forward = bert_encoder_mlm_forward_flops(p.num_layers, h, p.intermediate_size, p.vocab_size, p.seq_len)
        return 3.0 * (forward + 2 * h * h + 2 * h * 2)
