"""What BERT benchmarks share: the shape params, the transformers config, the analytic FLOPs.

FLOPs per token and layer: QKV and output projections 8h^2, feed-forward 4hi, attention scores
and weighted sum 4*s*h (a multiply-add counts 2). The MLM head (transform h^2 and decoder h*V)
runs on every position in transformers' implementation.
"""

from __future__ import annotations

from perfkit.benchmarks.declared.bert_shape import BertShapeParams

__all__ = ["BertShapeParams", "bert_config", "bert_encoder_mlm_forward_flops"]


def bert_config(p: BertShapeParams, seq_len: int):
    """The transformers BertConfig of these params (positions: at least 512, as BERT's)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=p.vocab_size,
        hidden_size=p.hidden_size,
        num_hidden_layers=p.num_layers,
        num_attention_heads=p.num_heads,
        intermediate_size=p.intermediate_size,
        max_position_embeddings=max(512, seq_len),
        type_vocab_size=2,
    )


def bert_encoder_mlm_forward_flops(layers: int, hidden: int, intermediate: int, vocab: int, seq: int) -> float:
    """Forward FLOPs of one sequence of ``seq`` tokens through the encoder and the MLM head."""
    h, s, i, v = hidden, seq, intermediate, vocab
    per_token_layer = 8 * h * h + 4 * h * i + 4 * s * h
    mlm_head_per_token = 2 * (h * h + h * v)
    return float(s * (layers * per_token_layer + mlm_head_per_token))
