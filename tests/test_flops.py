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
