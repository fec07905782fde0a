"""The Llama case's figures: FLOPs per token against torch's FlopCounterMode on the tiny shape,
N against the model's parameter count, token/p/s, both MFUs, FlagPerf's 2 % loss rule, the
warm-up + cosine schedule and gradient clipping."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from perfkit.benchmarks.llama_params import SHAPES, LlamaParams
from perfkit.benchmarks.llama_pretraining import LlamaPretraining, clip_gradients
from perfkit.measure import metrics as m
from perfkit.benchmarks.optim import warmup_cosine_schedule


def _bench(**params) -> LlamaPretraining:
    bench = LlamaPretraining(LlamaParams(shape="tiny", precision="fp32", **params))
    bench.unigram_entropy = 3.5  # a cached property: the corpus's, here without a corpus
    return bench


def test_flops_per_token_match_flop_counter_mode_on_the_tiny_shape():
    seq, batch = 64, 2
    bench = _bench(seq_len=seq)
    torch.manual_seed(0)
    model = bench.build_model()
    ids = torch.randint(0, SHAPES["tiny"].vocab_size, (batch, seq + 1))
    # the math SDPA kernel: its matmuls are visible to the counter (the fused CPU kernel is not counted)
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        bench.train_loss(model, {"input_ids": ids[:, :-1], "labels": ids[:, 1:]}).backward()
    counted = counter.get_total_flops() / (batch * seq)
    six_n, with_attention = bench.flops_per_token()
    # the counter sees every matmul, SDPA over the full s x s included; norms and SiLU are not matmuls
    assert with_attention == pytest.approx(counted, rel=0.01)
    assert six_n < with_attention and with_attention - six_n == 12 * 2 * 128 * seq


@pytest.mark.parametrize("name", ["tiny", "llama_1b"])
def test_n_is_every_parameter_but_the_input_embedding(name):
    from transformers import LlamaForCausalLM

    shape = SHAPES[name]
    bench = LlamaPretraining(LlamaParams(shape=name))
    if name != "tiny":  # count on the meta device: nothing is allocated
        with torch.device("meta"):
            model = LlamaForCausalLM(bench.model_config())
    else:
        model = bench.build_model()
    total = sum(p.numel() for p in model.parameters())
    assert total == shape.total_params
    assert shape.non_embedding_params == total - shape.vocab_size * shape.hidden_size + (
        shape.vocab_size * shape.hidden_size if shape.tie_embeddings else 0)


def test_llama3_8b_is_eight_billion_parameters():
    assert 8.0e9 < SHAPES["llama3_8b"].total_params < 8.1e9
    assert 6.7e9 < SHAPES["llama2_7b"].total_params < 6.8e9
    assert 1.2e9 < SHAPES["llama_1b"].total_params < 1.3e9


def test_tokens_per_chip_per_second_and_both_mfus():
    bench = _bench(seq_len=128)
    metrics = {"samples": 100 * 64, "train_time": 12.0, "eval_time": 2.0, "compute_time": 8.0,
               "global_batch": 64, "peak_tflops": 0.5}
    out = bench.extra_metrics(metrics, [5.0, 4.0, 3.0], world_size=2)
    assert out["tokens_per_card_s"] == pytest.approx(100 * 64 * 128 / 10.0 / 2)
    assert out["tokens_per_card_s_core"] == pytest.approx(100 * 64 * 128 / 8.0 / 2)
    six_n, attn = bench.flops_per_token()
    assert out["mfu"] == pytest.approx(out["tokens_per_card_s"] * six_n / 0.5e12)
    assert out["mfu_attn"] == pytest.approx(out["tokens_per_card_s"] * attn / 0.5e12)
    assert out["global_batch_tokens"] == 64 * 128 and "6·N" in out["mfu_formula"] and "12·L·h·s" in out["mfu_attn_formula"]
    assert out["loss"] == 3.0 and out["unigram_entropy"] == 3.5 and out["loss_below_unigram"] is True
    assert out["loss_aligned"] is None


def test_without_a_peak_there_is_no_mfu():
    out = _bench().extra_metrics({"samples": 8, "train_time": 1.0, "eval_time": 0.0, "compute_time": 1.0,
                                  "global_batch": 8, "peak_tflops": None}, [1.0], 1)
    assert out["mfu"] is None and out["mfu_attn"] is None and out["tokens_per_card_s"] > 0


def test_the_two_percent_rule_starts_at_step_21():
    reference = [10.0] * 20 + [4.0] * 10
    # the first 20 steps do not count, however far off they are
    assert m.loss_alignment([99.0] * 20 + [4.0] * 10, reference)["aligned"] is True
    just_under = m.loss_alignment([1.0] * 20 + [4.0 * 1.0199] * 10, reference)
    assert just_under["aligned"] is True and just_under["steps_compared"] == 10
    assert m.loss_alignment([1.0] * 20 + [4.0 * 1.021] * 10, reference)["aligned"] is False
    # the mean, not the worst step: one step 10 % off among ten averages to 1 %
    mixed = m.loss_alignment([4.0] * 20 + [4.4] + [4.0] * 9, reference)
    assert mixed["aligned"] is True and mixed["mean_relative_error"] == pytest.approx(0.01)
    # only the steps both curves have; none from 21 on: no verdict
    assert m.loss_alignment([4.0] * 25, reference)["steps_compared"] == 5
    assert m.loss_alignment([4.0] * 20, reference)["aligned"] is None


def test_a_reference_run_gives_the_verdict(tmp_path):
    import json

    path = tmp_path / "result.json"
    path.write_text(json.dumps({"curves": {"loss": [3.0] * 30}}))
    out = _bench(reference_run=str(path)).extra_metrics(
        {"samples": 8, "train_time": 1.0, "eval_time": 0.0, "compute_time": 1.0, "global_batch": 8, "peak_tflops": None},
        [3.03] * 30, 1)
    assert out["loss_aligned"] is True and out["loss_steps_compared"] == 10
    assert out["loss_mean_relative_error"] == pytest.approx(0.01)


def test_warmup_then_cosine_to_the_minimum():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = warmup_cosine_schedule(optimizer, warmup_steps=4, total_steps=14, min_ratio=0.1)
    rates = []
    for _ in range(16):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert rates[9] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert rates[14] == pytest.approx(0.1) and rates[15] == pytest.approx(0.1)


def test_gradients_are_clipped_to_the_global_norm():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    clip_gradients([a, b], 1.0)
    assert torch.cat([a.grad, b.grad]).norm().item() == pytest.approx(1.0, rel=1e-5)
    a.grad, b.grad = torch.tensor([0.3, 0.0]), torch.tensor([0.4])
    clip_gradients([a, b], 1.0)
    assert a.grad.tolist() == pytest.approx([0.3, 0.0])


def test_the_optimizer_clips_before_each_step():
    bench = _bench(grad_clip=0.5, learning_rate=1e-3, weight_decay=0.0)
    model = torch.nn.Linear(4, 4, bias=False)
    optimizer, _ = bench.build_optimizer(model)
    model.weight.grad = torch.full((4, 4), 10.0)
    optimizer.step()
    assert model.weight.grad.norm().item() == pytest.approx(0.5, rel=1e-4)


@pytest.mark.parametrize("config", ["H100x1x8", "H200x1x8"])
def test_the_1x8_configs_train_llama3_8b_at_flagperfs_global_batch(config):
    from perfkit.params.loading import resolve_params

    resolved = resolve_params("llama", LlamaParams, "nvidia", config, {})
    p = resolved.params
    cards = resolved.nnodes * resolved.nproc_per_node
    assert (p.shape, p.seq_len, p.precision, cards) == ("llama3_8b", 8192, "bf16", 8)
    assert p.batch_size * p.gradient_accumulation_steps * cards == 512  # 4 M tokens per step
    assert resolved.standard


def test_the_kunlunxin_config_is_flagperfs_llama2_7b_r300_setting():
    """training/kunlunxin/llama2_7b-deepspeed: seq 512, micro batch 12, GAS 1, 8 cards (GBS 96),
    fp16, gradient checkpointing, ZeRO-3 (here FSDP2)."""
    from perfkit.params.hardware import load_hardware
    from perfkit.params.loading import resolve_params

    resolved = resolve_params("llama", LlamaParams, "kunlunxin", "R300x1x8", {})
    p = resolved.params
    cards = resolved.nnodes * resolved.nproc_per_node
    assert (p.shape, p.seq_len, p.precision, cards) == ("llama2_7b", 512, "fp16", 8)
    assert p.batch_size * p.gradient_accumulation_steps * cards == 96
    assert p.fsdp and p.activation_checkpointing
    assert load_hardware(resolved.hardware).vendor == "kunlunxin"
    assert set(resolved.nonstandard_keys) == {"shape", "seq_len", "max_steps", "eval_interval"}

def test_activation_checkpointing_gives_the_same_gradients_and_is_recorded():
    from perfkit.engine.distributed import DistContext

    seq = 32
    ids = torch.randint(0, SHAPES["tiny"].vocab_size, (2, seq + 1))
    batch = {"input_ids": ids[:, :-1], "labels": ids[:, 1:]}
    grads, notes = [], []
    for checkpointing in (False, True):
        bench = _bench(seq_len=seq, activation_checkpointing=checkpointing)
        model = bench.build_model()  # seeded: the same weights both times
        model.train()
        assert bench.parallelize(model, DistContext(), torch.device("cpu")) is False
        bench.train_loss(model, batch).backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
        notes.append(bench.parallelism)
    assert torch.allclose(grads[0], grads[1], atol=1e-6)
    assert notes == ["single process, not sharded",
                     "single process, not sharded; activation checkpointing per decoder layer"]
