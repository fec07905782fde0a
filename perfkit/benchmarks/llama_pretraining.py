"""Llama pre-training: FlagPerf's llama3_8B (Megatron) case on ``transformers.LlamaForCausalLM``.

The model is randomly initialised from a named shape (perfkit.benchmarks.llama_params.SHAPES),
nothing is downloaded; attention is PyTorch's SDPA. Data is Megatron-LM's indexed dataset
(perfkit.data.megatron_indexed) packed into seq_len + 1 token windows. The loss is the mean
next-token cross-entropy over every position; the held-out quality is next-token accuracy on
the corpus's last windows. Besides the engine's metrics the record has FlagPerf's LLM figures:
tokens per chip per second, MFU by 6·N and by 6·N + 12·L·h·s, the final loss beside the
corpus's unigram entropy, and the 2 % loss-alignment verdict against a reference run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch

from perfkit import paths
from perfkit.benchmarks.base import Batch, TrainingBenchmark
from perfkit.benchmarks.declared.llama import INFO
from perfkit.benchmarks.llama_parallel import apply_parallelism
from perfkit.benchmarks.llama_params import SHAPES, LlamaParams, LlamaShape
from perfkit.benchmarks.optim import fast_kernels, warmup_cosine_schedule
from perfkit.data.build_llama import LlamaBuildSettings, build_llama_dataset
from perfkit.data.hashing import DataIdentity, identify
from perfkit.data.megatron_indexed import IndexedDataset
from perfkit.data.token_windows import TokenWindows, split_windows, unigram_entropy
from perfkit.errors import ParamsError
from perfkit.files.reading import JSON_LIMIT, read_text_bounded
from perfkit.measure import metrics as m
from perfkit.params.schema import TrainingParams
from perfkit.results import vocabulary as vocab

if TYPE_CHECKING:  # the run's distributed context (perfkit.engine, a layer above) is handed in
    from perfkit.engine.distributed import DistContext

PRECISION_MODES = {
    "fp32": "fp32 parameters, gradients and optimizer state",
    "bf16": "bf16 autocast (matmuls and attention in bfloat16), fp32 master weights and optimizer state",
    "amp": "autocast in the device's low precision, fp32 master weights and optimizer state",
    "fp16": "fp16 autocast with a gradient scaler, fp32 master weights and optimizer state",
}


class LlamaPretraining(TrainingBenchmark):
    info = INFO
    params_model: ClassVar[type[TrainingParams]] = LlamaParams
    params: LlamaParams
    parallelism: str = "not set up yet"

    @property
    def shape(self) -> LlamaShape:
        return SHAPES[self.params.shape]

    # -- data -------------------------------------------------------------------------------
    def _build_settings(self) -> LlamaBuildSettings:
        return LlamaBuildSettings(prefix=self.params.data_prefix)

    def build_settings(self) -> dict:
        return asdict(self._build_settings())

    def build_data(self, out: Path) -> str:
        return build_llama_dataset(out, self._build_settings())

    @cached_property
    def corpus(self) -> IndexedDataset:
        prefix = paths.safe_name(self.params.data_prefix, "key 'data_prefix'")
        return IndexedDataset(self.data_dir() / prefix)

    @cached_property
    def windows(self) -> tuple[TokenWindows, TokenWindows]:
        p = self.params
        world = max(1, int(os.environ.get("WORLD_SIZE", "1") or 1))
        return split_windows(self.corpus.token_stream(), p.seq_len, p.eval_windows,
                             p.batch_size * p.gradient_accumulation_steps * world, f"corpus {self.corpus.bin_path}")

    @cached_property
    def unigram_entropy(self) -> float:
        return unigram_entropy(self.corpus.token_stream(), self.shape.vocab_size)

    def prepare_data(self) -> DataIdentity:
        self.autobuild_or_fail(self.data_dir(), "llama")
        self.corpus.check_vocab(self.shape.vocab_size)
        self.windows  # noqa: B018 - refuse a corpus too small for the run now
        self.reference_loss()  # and an unreadable reference run
        return identify(self.data_dir())

    def train_dataset(self):
        train = self.windows[0]
        return train, [len(train)]

    def eval_batches(self, rank: int, world_size: int) -> Iterable[Batch]:
        held_out = self.windows[1]
        mine = torch.utils.data.Subset(held_out, range(rank, len(held_out), world_size))
        return torch.utils.data.DataLoader(mine, batch_size=self.params.eval_batch_size, num_workers=0)

    # -- model ------------------------------------------------------------------------------
    def model_config(self):
        from transformers import LlamaConfig

        s = self.shape
        return LlamaConfig(
            vocab_size=s.vocab_size, hidden_size=s.hidden_size, intermediate_size=s.intermediate_size,
            num_hidden_layers=s.num_layers, num_attention_heads=s.num_heads, num_key_value_heads=s.num_kv_heads,
            head_dim=s.head_dim, max_position_embeddings=self.params.seq_len, rope_theta=s.rope_theta,
            rms_norm_eps=s.rms_norm_eps, tie_word_embeddings=s.tie_embeddings, initializer_range=self.params.init_std,
            attention_dropout=0.0, use_cache=False, attn_implementation="sdpa",
        )

    def checkpoint_model_class(self) -> type:
        from transformers import LlamaForCausalLM

        return LlamaForCausalLM

    def build_model(self) -> torch.nn.Module:
        from transformers import LlamaForCausalLM

        torch.manual_seed(self.params.seed)
        return self.pretrained(LlamaForCausalLM) or LlamaForCausalLM(self.model_config())

    def parallelize(self, model: torch.nn.Module, ctx: DistContext, device: torch.device) -> bool:
        p = self.params
        sharded, self.parallelism = apply_parallelism(model, ctx, device, fsdp=p.fsdp,
                                                      checkpointing=p.activation_checkpointing, compile_layers=p.compile)
        return sharded

    def build_optimizer(self, model: torch.nn.Module):
        """AdamW (fused on CUDA, foreach elsewhere), decay on matrices only, the global gradient
        norm clipped to grad_clip before every step, warm-up + cosine to min_learning_rate."""
        p = self.params
        decay = [q for q in model.parameters() if q.requires_grad and q.ndim >= 2]
        plain = [q for q in model.parameters() if q.requires_grad and q.ndim < 2]
        groups = [{"params": decay, "weight_decay": p.weight_decay}, {"params": plain, "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW(groups, lr=p.learning_rate, betas=(p.adam_beta1, p.adam_beta2), eps=1e-8,
                                      **fast_kernels(model))
        if p.grad_clip > 0:
            params = decay + plain
            optimizer.register_step_pre_hook(lambda *_: clip_gradients(params, p.grad_clip))
        schedule = warmup_cosine_schedule(optimizer, p.warmup_steps, p.max_steps, p.min_learning_rate / p.learning_rate)
        return optimizer, schedule

    def train_loss(self, model: torch.nn.Module, batch: Batch) -> torch.Tensor:
        logits = model(input_ids=batch["input_ids"]).logits
        return torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), batch["labels"].flatten())

    def eval_counts(self, model: torch.nn.Module, batch: Batch) -> tuple[float, float]:
        logits = model(input_ids=batch["input_ids"]).logits
        right = (logits.argmax(dim=-1) == batch["labels"]).sum()
        return float(right.item()), float(batch["labels"].numel())

    def target(self) -> float:
        return self.params.target_accuracy

    def tokens_per_sample(self) -> int | None:
        return self.params.seq_len

    def flops_per_token(self) -> tuple[float, float]:
        """(6·N, 6·N + 12·L·h·s) per token, forward + backward (perfkit.measure.metrics)."""
        s = self.shape
        return m.llm_flops_per_token(s.non_embedding_params, s.num_layers, s.hidden_size, self.params.seq_len)

    def flops_per_sample(self) -> float:
        """One sequence of seq_len tokens at 6·N + 12·L·h·s per token (the engine's mfu column)."""
        return self.params.seq_len * self.flops_per_token()[1]

    def fix_hp(self) -> str:
        p = self.params
        return f"mbs={p.batch_size},accum={p.gradient_accumulation_steps},seq={p.seq_len},lr={p.learning_rate:g}"

    # -- the LLM figures ---------------------------------------------------------------------
    def reference_loss(self) -> tuple[list[float], str] | None:
        """The loss curve of the run in reference_run (its result.json), or None without one."""
        if not self.params.reference_run:
            return None
        path = paths.resolve_under(paths.project_root(), self.params.reference_run)
        if path.is_dir():
            path = path / "result.json"
        try:
            curve = json.loads(read_text_bounded(path, JSON_LIMIT, ParamsError, f"reference_run {path}"))["curves"]["loss"]
        except (ValueError, KeyError, TypeError):
            raise ParamsError(f"key 'reference_run': {path} is not a perfkit result.json with a loss curve") from None
        if not isinstance(curve, list) or not all(isinstance(v, (int, float)) for v in curve):
            raise ParamsError(f"key 'reference_run': {path} has no list of numbers at curves.loss")
        return [float(v) for v in curve], str(path)

    def extra_metrics(self, metrics: dict[str, Any], loss_curve: list[float], world_size: int) -> dict[str, Any]:
        s, p = self.shape, self.params
        tokens = metrics[vocab.SAMPLES] * p.seq_len
        tok_p_s = m.tokens_per_chip_per_second(tokens, metrics[vocab.TRAIN_TIME] - metrics[vocab.EVAL_TIME], world_size)
        tok_p_s_core = m.tokens_per_chip_per_second(tokens, metrics[vocab.COMPUTE_TIME], world_size)
        six_n, with_attention = self.flops_per_token()
        peak = metrics.get(vocab.PEAK_TFLOPS)

        def utilisation(per_token: float) -> float | None:
            return per_token * tok_p_s / (peak * 1e12) if peak and math.isfinite(tok_p_s) else None

        tail = loss_curve[-max(1, min(10, len(loss_curve) // 10)):] if loss_curve else []
        reference = self.reference_loss()
        alignment = m.loss_alignment(loss_curve, reference[0]) if reference else {
            "aligned": None, "mean_relative_error": None, "steps_compared": 0}
        final_loss = float(np.mean(tail)) if tail else None
        return {
            # FlagPerf's token/p/s under the key its imported pages use, and its MFU (6·N) as
            # the record's mfu, so that a published page and a measured run line up column by column
            vocab.TOKENS_PER_CARD_S: tok_p_s,
            vocab.TOKENS_PER_CARD_S_CORE: tok_p_s_core,
            vocab.GLOBAL_BATCH_TOKENS: metrics[vocab.GLOBAL_BATCH] * p.seq_len,
            vocab.CHIPS: world_size,
            vocab.NON_EMBEDDING_PARAMS: s.non_embedding_params,
            vocab.TOTAL_PARAMS: s.total_params,
            vocab.FLOPS_PER_TOKEN_6N: six_n,
            vocab.FLOPS_PER_TOKEN_ATTN: with_attention,
            vocab.MFU: utilisation(six_n),
            vocab.MFU_ATTN: utilisation(with_attention),
            vocab.MFU_FORMULA: f"token/p/s x 6·N / peak, N = {s.non_embedding_params:,} parameters without the input embedding",
            vocab.MFU_ATTN_FORMULA: f"token/p/s x (6·N + 12·L·h·s) / peak, L={s.num_layers}, h={s.hidden_size}, s={p.seq_len}",
            vocab.LOSS: final_loss,
            vocab.UNIGRAM_ENTROPY: self.unigram_entropy,
            vocab.LOSS_BELOW_UNIGRAM: final_loss is not None and final_loss < self.unigram_entropy,
            vocab.LOSS_ALIGNED: alignment["aligned"],
            vocab.LOSS_MEAN_RELATIVE_ERROR: alignment["mean_relative_error"],
            vocab.LOSS_STEPS_COMPARED: alignment["steps_compared"],
            vocab.LOSS_REFERENCE: reference[1] if reference else "",
            vocab.MODEL_SHAPE: p.shape,
            vocab.PRECISION_MODE: PRECISION_MODES[p.precision],
            vocab.ATTENTION: "SDPA (torch.nn.functional.scaled_dot_product_attention)",
            vocab.SHARDING: self.parallelism,
        }


def clip_gradients(params: Sequence[torch.Tensor], max_norm: float) -> None:
    """Scale the gradients so that their global L2 norm is at most max_norm; sharded (DTensor)
    gradients give the norm over every shard."""
    grads = [q.grad for q in params if q.grad is not None]
    if not grads:
        return
    norm = torch.nn.utils.get_total_norm(grads, foreach=True)
    if hasattr(norm, "full_tensor"):
        norm = norm.full_tensor()
    torch.nn.utils.clip_grads_with_norm_(params, max_norm, norm, foreach=True)
