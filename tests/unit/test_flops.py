"""Analytic FLOPs per sample agree with torch's FlopCounterMode over forward + backward."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from perfkit.benchmarks.bert_training import BertParams, BertTraining


def _bert_batch(bs: int, seq: int, vocab: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return {
        "input_ids": torch.randint(5, vocab, (bs, seq), generator=g),
        "attention_mask": torch.ones(bs, seq, dtype=torch.long),
        "token_type_ids": torch.zeros(bs, seq, dtype=torch.long),
        "labels": torch.randint(5, vocab, (bs, seq), generator=g),
        "next_sentence_label": torch.zeros(bs, dtype=torch.long),
    }


@pytest.mark.parametrize("layers, hidden, heads, seq", [(2, 128, 2, 64), (3, 96, 4, 32)])
def test_bert_training_flops_match_the_counter(layers, hidden, heads, seq):
    params = BertParams(num_layers=layers, hidden_size=hidden, num_heads=heads, intermediate_size=4 * hidden,
                        vocab_size=1000, seq_len=seq)
    bench = BertTraining(params)
    model = bench.build_model()
    batch = _bert_batch(3, seq, 1000)
    with FlopCounterMode(display=False) as counter:
        bench.train_loss(model, batch).backward()
    counted = counter.get_total_flops() / 3
    assert counted == pytest.approx(bench.flops_per_sample(), rel=0.02)


@pytest.mark.parametrize("layers, hidden, heads, seq", [(2, 128, 2, 64), (3, 96, 4, 32)])
def test_bert_inference_flops_match_the_counter(layers, hidden, heads, seq):
    from transformers import BertForMaskedLM

    from perfkit.benchmarks.bert_inference import BertInference, BertInferenceParams

    bench = BertInference(BertInferenceParams(num_layers=layers, hidden_size=hidden, num_heads=heads,
                                              intermediate_size=4 * hidden, vocab_size=1000, seq_len=seq))
    # eager attention: FlopCounterMode has no formula for the CPU flash-attention kernel that
    # inference-mode SDPA picks, and would miss the attention FLOPs that the formula counts
    model = BertForMaskedLM._from_config(bench.model_config(), attn_implementation="eager").eval()
    batch = {k: v for k, v in _bert_batch(3, seq, 1000).items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(**batch)
    assert counter.get_total_flops() / 3 == pytest.approx(bench.flops_per_sample(), rel=0.02)


@pytest.mark.parametrize("layers, hidden, heads, seq", [(2, 64, 2, 32), (1, 96, 4, 48)])
def test_glm_training_flops_match_the_counter(layers, hidden, heads, seq):
    from perfkit.benchmarks.glm_training import GlmParams, GlmTraining

    params = GlmParams(num_layers=layers, hidden_size=hidden, num_heads=heads, intermediate_size=2 * hidden,
                       vocab_size=500, seq_len=seq)
    bench = GlmTraining(params)
    model = bench.build_model()
    model.config._attn_implementation = "eager"  # CPU SDPA kernels are invisible to the counter
    g = torch.Generator().manual_seed(0)
    rows = 5  # two queries, 2 + 3 candidates
    mask = torch.zeros(rows, seq, dtype=torch.bool)
    mask[:, seq // 2 : seq - 1] = True
    batch = {"input_ids": torch.randint(5, 500, (rows, seq), generator=g),
             "attention_mask": torch.ones(rows, seq, dtype=torch.long), "score_mask": mask,
             "item": torch.tensor([0, 0, 1, 1, 1]), "slot": torch.tensor([0, 1, 0, 1, 2]),
             "gold": torch.tensor([[True, False, False], [False, True, False]])}
    with FlopCounterMode(display=False) as counter:
        bench.train_loss(model, batch).backward()
    counted = counter.get_total_flops() / rows
    assert counted == pytest.approx(bench.flops_per_sequence(), rel=0.03)


@pytest.mark.parametrize("size, width, labels", [(32, 0.35, 10), (64, 1.0, 100), (48, 0.5, 7)])
def test_mobilenetv2_flops_match_the_counter(size, width, labels):
    """Forward only: FlopCounterMode bills a grouped (depthwise) convolution's weight gradient as
    if it were dense, so its backward count is far too high for MobileNetV2."""
    from perfkit.benchmarks.mobilenetv2_training import (MobileNetV2Params, MobileNetV2Training,
                                                         mobilenetv2_forward_flops)

    bench = MobileNetV2Training(MobileNetV2Params(image_size=size, depth_multiplier=width, num_labels=labels))
    model = bench.build_model()
    pixels = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(0))
    with FlopCounterMode(display=False) as counter:
        model(pixel_values=pixels)
    forward, first = mobilenetv2_forward_flops(bench.model_config())
    assert counter.get_total_flops() / 3 == pytest.approx(forward, rel=0.001)
    assert bench.flops_per_sample() == 3 * forward - first
