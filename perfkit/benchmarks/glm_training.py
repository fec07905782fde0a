"""GLM fine-tuning on ReCoRD as a cloze choice, the FlagPerf case of seed 001.

Every candidate entity fills ``@placeholder``; the language model scores a candidate by the
log-likelihood of the filled query (and eos) after the passage, summed over its tokens (or their
mean, ``length_normalize``); training minimises the
cross-entropy over the candidates (probability mass on the gold ones); accuracy counts a query
right when its top candidate is among the gold answers. Defaults are the public reference:
GLM-large, 24 layers, hidden 1024, 16 heads, sequence 512, fp32, lr 1e-5, target 0.8.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import torch

from perfkit.benchmarks.base import Batch, TrainingBenchmark
from perfkit.benchmarks.declared.glm import INFO, GlmParams
from perfkit.benchmarks.optim import fast_kernels, no_decay_groups, warmup_poly_schedule
from perfkit.data import cloze, record, wordpiece
from perfkit.data.build_record import RecordBuildSettings, build_record_dataset
from perfkit.data.hashing import DataIdentity, identify
from perfkit.errors import DataError
from perfkit.params.schema import TrainingParams


class GlmTraining(TrainingBenchmark):
    info = INFO
    params_model: ClassVar[type[TrainingParams]] = GlmParams
    params: GlmParams

    # -- data -------------------------------------------------------------------------------
    def _build_settings(self) -> RecordBuildSettings:
        p = self.params
        return RecordBuildSettings(vocab_size=p.vocab_size, train_file=p.train_file, val_file=p.val_file)

    def build_settings(self) -> dict:
        return asdict(self._build_settings())

    def build_data(self, out: Path) -> str:
        return build_record_dataset(out, self._build_settings())

    def _path(self, name: str) -> Path:
        return self.data_dir() / name

    @cached_property
    def encoder(self) -> cloze.ClozeEncoder:
        vocab = self._path(self.params.vocab_file)
        if not vocab.is_file():
            raise DataError(f"vocabulary {vocab} does not exist (key 'vocab_file')")
        size = len(wordpiece.read_vocab(vocab))
        if size > self.params.vocab_size:
            raise DataError(f"{vocab}: {size} tokens exceed vocab_size={self.params.vocab_size}; set vocab_size to at least {size}")
        return cloze.ClozeEncoder(vocab, self.params.seq_len)

    @cached_property
    def train_items(self) -> list[record.ClozeItem]:
        return record.read_record(self._path(self.params.train_file))

    @cached_property
    def val_items(self) -> list[record.ClozeItem]:
        return record.read_record(self._path(self.params.val_file))[: self.params.eval_samples]

    def prepare_data(self) -> DataIdentity:
        self.autobuild_or_fail(self.data_dir(), "glm")
        self.encoder.encode(self.train_items[0])
        self.encoder.encode(self.val_items[0])
        return identify(self.data_dir())

    def train_dataset(self):
        return cloze.ClozeDataset(self.train_items, self.encoder), [len(self.train_items)]

    def collate(self, batch):
        return cloze.collate(batch)

    @cached_property
    def _encoded_eval(self) -> dict[tuple[int, int], list[Batch]]:
        return {}

    def eval_batches(self, rank: int, world_size: int) -> Iterable[Batch]:
        """This rank's evaluation queries, encoded and batched at the first evaluation and kept:
        nothing random happens to them, so later evaluations only run the model."""
        key = (rank, world_size)
        if key not in self._encoded_eval:
            dataset = cloze.ClozeDataset(self.val_items[rank::world_size], self.encoder)
            loader = torch.utils.data.DataLoader(dataset, batch_size=self.params.eval_batch_size,
                                                 collate_fn=cloze.collate, num_workers=0)
            self._encoded_eval[key] = list(loader)
        return self._encoded_eval[key]

    # -- model ------------------------------------------------------------------------------
    def model_config(self):
        from transformers import GlmConfig

        p = self.params
        return GlmConfig(
            vocab_size=p.vocab_size,
            hidden_size=p.hidden_size,
            intermediate_size=p.intermediate_size,
            num_hidden_layers=p.num_layers,
            num_attention_heads=p.num_heads,
            num_key_value_heads=p.num_heads,
            head_dim=p.hidden_size // p.num_heads,
            max_position_embeddings=max(512, p.seq_len),
            pad_token_id=0,
            bos_token_id=2,
            eos_token_id=3,
        )

    def checkpoint_model_class(self) -> type:
        from transformers import GlmForCausalLM

        return GlmForCausalLM

    def build_model(self) -> torch.nn.Module:
        from transformers import GlmForCausalLM

        torch.manual_seed(self.params.seed)
        return self.pretrained(GlmForCausalLM) or GlmForCausalLM(self.model_config())

    def build_optimizer(self, model: torch.nn.Module):
        p = self.params
        optimizer = torch.optim.AdamW(no_decay_groups(model, p.weight_decay), lr=p.learning_rate, **fast_kernels(model))
        return optimizer, warmup_poly_schedule(optimizer, p.warmup_steps, p.max_steps)

    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        return cloze_loss(candidate_scores(model, batch, self.params.length_normalize), batch["gold"])

    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        return cloze_counts(candidate_scores(model, batch, self.params.length_normalize), batch["gold"])

    def target(self) -> float:
        return self.params.target_accuracy

    def flops_per_sequence(self) -> float:
        """Forward + backward FLOPs of one candidate sequence of seq_len tokens (x3 forward).

        Per token and layer: q, k, v and output projections 8h^2 (head_dim x heads = h), the
        gated feed-forward 6hi, attention scores and weighted sum 4sh; the LM head 2hV per token.
        """
        p = self.params
        h, s, i, v = p.hidden_size, p.seq_len, p.intermediate_size, p.vocab_size
        per_token = p.num_layers * (8 * h * h + 6 * h * i + 4 * s * h) + 2 * h * v
        return 3.0 * s * per_token

    def flops_per_sample(self) -> float:
        """A sample is one query: all its candidate sequences, averaged over the training file."""
        mean_candidates = sum(len(item.candidates) for item in self.train_items) / len(self.train_items)
        return mean_candidates * self.flops_per_sequence()


def candidate_scores(model: torch.nn.Module, batch: Batch, length_normalize: bool = False) -> torch.Tensor:
    """[items, max candidates] log-likelihood of each filled query (summed over its tokens, or
    their mean with ``length_normalize``); -inf where an item has no such candidate."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    mask = batch["score_mask"]
    targets = torch.roll(batch["input_ids"], -1, dims=1)[mask]
    logp = torch.log_softmax(logits[mask].float(), dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
    rows = mask.nonzero()[:, 0]
    per_row = torch.zeros(mask.shape[0], dtype=logp.dtype, device=logp.device).index_add_(0, rows, logp)
    if length_normalize:
        per_row = per_row / mask.sum(dim=1).clamp(min=1)
    scores = torch.full(batch["gold"].shape, float("-inf"), dtype=logp.dtype, device=logp.device)
    return scores.index_put((batch["item"], batch["slot"]), per_row)


def cloze_loss(scores: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the candidates with every gold candidate a right answer:
    -log(sum of softmax over the gold ones), mean over items."""
    return (torch.logsumexp(scores, dim=1) - torch.logsumexp(scores.masked_fill(~gold, float("-inf")), dim=1)).mean()


def cloze_counts(scores: torch.Tensor, gold: torch.Tensor) -> tuple[float, float]:
    """(items whose top-scored candidate is gold, items)."""
    top = scores.argmax(dim=1)
    right = gold.gather(1, top.unsqueeze(1)).sum()
    return float(right.item()), float(gold.shape[0])
