"""Analytic forward FLOPs of BERT, shared by the training and inference benchmarks.

Per token and layer: QKV and output projections 8h^2, feed-forward 4hi, attention scores and
weighted sum 4*s*h (a multiply-add counts 2). The MLM head (transform h^2 and decoder h*V) runs
on every position in transformers' implementation.
"""

from __future__ import annotations


def bert_encoder_mlm_forward_flops(layers: int, hidden: int, intermediate: int, vocab: int, seq: int) -> float:
    """Forward FLOPs of one sequence of ``seq`` tokens through the encoder and the MLM head."""
    h, s, i, v = hidden, seq, intermediate, vocab
    per_token_layer = 8 * h * h + 4 * h * i + 4 * s * h
    mlm_head_per_token = 2 * (h * h + h * v)
    return float(s * (layers * per_token_layer + mlm_head_per_token))
