"""The shape rules and the memory estimate every transformer benchmark shares (BERT, GLM).

Memory per card, a rough *lower* estimate (so that it refuses only what cannot fit):

- parameters: embeddings (vocab + positions) x hidden, per layer 4h^2 (attention) + 2hi
  (feed-forward), plus the head (h^2 + h x vocab);
- training: weights + gradients + two optimizer moments (AdamW, LAMB) in fp32, 16 bytes per
  parameter; inference: the weights at the run's precision;
- activations: per layer and token the layer's input, the attention output and the
  feed-forward's inner activation (2h + i values, 4 bytes in fp32, 2 in 16 bits), kept for the
  backward pass over every layer when training, one layer's when inferring. Attention scores,
  dropout masks and the framework's workspace come on top (they depend on the kernels).
"""

from __future__ import annotations

from perfkit.params.memory import MemoryEstimate
from perfkit.params.schema import ParamRuleError


def check_heads(params) -> None:  # noqa: ANN001 (any params model with hidden_size, num_heads)
    """Attention heads split the hidden width evenly: hidden_size % num_heads == 0."""
    hidden, heads = params.hidden_size, params.num_heads
    if heads > hidden or hidden % heads:
        divisors = [d for d in (1, 2, 4, 8, 12, 16, 32) if hidden % d == 0 and d <= hidden]
        raise ParamRuleError(("num_heads", "hidden_size"),
            f"num_heads={heads} does not divide hidden_size={hidden} (each head is hidden_size / num_heads "
            f"wide); allowed: a divisor of {hidden}, e.g. {', '.join(map(str, divisors))}"
        )


def transformer_memory(*, layers: int, hidden: int, intermediate: int, vocab: int, positions: int, heads: int,
                       batch: int, seq: int, training: bool, precision: str) -> MemoryEstimate:
    h, i = hidden, intermediate
    parameters = (vocab + positions) * h + layers * (4 * h * h + 2 * h * i) + h * h + h * vocab
    half = precision in ("fp16", "bf16", "amp")
    per_layer = batch * seq * (2 * h + i) * (2 if half else 4)
    if training:
        return MemoryEstimate(parameters=parameters, weight_bytes=16 * parameters,
                              activation_bytes=layers * per_layer)
    return MemoryEstimate(parameters=parameters, weight_bytes=(2 if half else 4) * parameters,
                          activation_bytes=per_layer)
