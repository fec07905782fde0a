"""Optimizers and learning-rate schedules the reference cases use that torch does not ship.

LAMB (You et al., 2019, "Large Batch Optimization for Deep Learning"), as in MLPerf BERT:
Adam moments with bias correction, decoupled weight decay, and a per-tensor trust ratio
||w|| / ||update|| scaling the step (1 where either norm is zero).
"""

from __future__ import annotations

from typing import TypedDict

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR


class Lamb(Optimizer):
    """LAMB. ``foreach=True`` (the default) runs each parameter group as a handful of
    multi-tensor ``torch._foreach_*`` kernels; ``foreach=False`` is the per-tensor reference
    loop. Both give the same numbers (tests/test_fast_optimizers.py, to 1e-6)."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach: bool = True):
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach))

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, dtype=torch.float32)
                    state["exp_avg_sq"] = torch.zeros_like(p, dtype=torch.float32)
                state["step"] += 1
            if params:
                (_foreach_lamb if group.get("foreach", True) else _reference_lamb)(params, self.state, group)
        return loss


def _grad(p: torch.Tensor) -> torch.Tensor:
    """The gradient of a parameter that ``Lamb.step`` kept (only those that have one)."""
    assert p.grad is not None
    return p.grad


def _reference_lamb(params: list[torch.Tensor], states, group: dict) -> None:
    """Per-tensor LAMB: the definition the multi-tensor version is checked against."""
    beta1, beta2 = group["betas"]
    for p in params:
        grad = _grad(p).float()
        state = states[p]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        m_hat = m / (1 - beta1 ** state["step"])
        v_hat = v / (1 - beta2 ** state["step"])
        update = m_hat / (v_hat.sqrt() + group["eps"])
        if group["weight_decay"]:
            update = update.add(p.float(), alpha=group["weight_decay"])
        w_norm = p.float().norm()
        u_norm = update.norm()
        trust = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, torch.ones_like(w_norm))
        p.add_((update * trust).to(p.dtype), alpha=-group["lr"])


def _foreach_lamb(params: list[torch.Tensor], states, group: dict) -> None:
    """The same arithmetic on lists of tensors: a few multi-tensor kernels per group."""
    beta1, beta2 = group["betas"]
    grads = [_grad(p).float() for p in params]
    weights = [p.float() for p in params]  # the parameters themselves where they are fp32
    m = [states[p]["exp_avg"] for p in params]
    v = [states[p]["exp_avg_sq"] for p in params]
    steps = [states[p]["step"] for p in params]
    torch._foreach_mul_(m, beta1)
    torch._foreach_add_(m, grads, alpha=1 - beta1)
    torch._foreach_mul_(v, beta2)
    torch._foreach_addcmul_(v, grads, grads, value=1 - beta2)
    m_hat = torch._foreach_div(m, [1 - beta1**s for s in steps])
    v_hat = torch._foreach_div(v, [1 - beta2**s for s in steps])
    denom = torch._foreach_sqrt(v_hat)
    torch._foreach_add_(denom, group["eps"])
    update = torch._foreach_div(m_hat, denom)
    if group["weight_decay"]:
        torch._foreach_add_(update, weights, alpha=group["weight_decay"])
    w_norm = torch.stack(torch._foreach_norm(weights))
    u_norm = torch.stack(torch._foreach_norm(update))
    trust = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, torch.ones_like(w_norm))
    torch._foreach_mul_(update, list(trust.unbind()))
    if all(p.dtype == torch.float32 for p in params):
        torch._foreach_add_(params, update, alpha=-group["lr"])
    else:
        for p, u in zip(params, update, strict=False):
            p.add_(u.to(p.dtype), alpha=-group["lr"])


class KernelChoice(TypedDict, total=False):
    """The keyword torch's AdamW / SGD take for their kernel path (one of the two)."""

    fused: bool
    foreach: bool


def fast_kernels(model: torch.nn.Module) -> KernelChoice:
    """Options for torch's AdamW / SGD: ``fused`` (one kernel for every tensor) on NVIDIA's CUDA
    build, ``foreach`` (multi-tensor kernels) elsewhere. Same update rule as the plain loop."""
    first = next(model.parameters(), None)
    if first is not None and first.device.type == "cuda" and torch.version.cuda is not None:
        return {"fused": True}
    return {"foreach": True}


def describe_optimizer(optimizer: Optimizer) -> str:
    """The optimizer class and its kernel path, for the result: e.g. 'AdamW (fused)'."""
    defaults = optimizer.defaults
    path = "fused" if defaults.get("fused") else "foreach" if defaults.get("foreach") else "per-tensor"
    return f"{type(optimizer).__name__} ({path})"


def warmup_poly_schedule(optimizer: Optimizer, warmup_steps: int, total_steps: int, power: float = 1.0) -> LambdaLR:
    """Linear warm-up to the peak, then polynomial decay to zero at total_steps (MLPerf BERT)."""

    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        remaining = max(0.0, 1.0 - (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return remaining**power

    return LambdaLR(optimizer, factor)


def no_decay_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Weight decay on weights only, not on biases and LayerNorm (the BERT recipe)."""
    decay: list[torch.nn.Parameter] = []
    plain: list[torch.nn.Parameter] = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        (plain if param.ndim < 2 or "LayerNorm" in name or name.endswith("bias") else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


def epoch_step_decay_schedule(optimizer: Optimizer, steps_per_epoch: int, gamma: float) -> LambdaLR:
    """Multiply the learning rate by ``gamma`` once per epoch, stepped per optimizer step
    (the MobileNetV2 recipe: 0.98 per epoch)."""
    steps_per_epoch = max(1, steps_per_epoch)
    return LambdaLR(optimizer, lambda step: gamma ** (step // steps_per_epoch))


def warmup_cosine_schedule(optimizer: Optimizer, warmup_steps: int, total_steps: int, min_ratio: float = 0.0) -> LambdaLR:
    """Linear warm-up to the peak, then cosine decay to ``min_ratio`` x peak at total_steps
    (Megatron's --lr-decay-style cosine with --min-lr = min_ratio x --lr)."""
    import math

    def factor(step: int) -> float:
        if warmup_steps and step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return LambdaLR(optimizer, factor)
