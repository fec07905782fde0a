"""Optimizers and learning-rate schedules the reference cases use that torch does not ship.

LAMB (You et al., 2019, "Large Batch Optimization for Deep Learning"), as in MLPerf BERT:
Adam moments with bias correction, decoupled weight decay, and a per-tensor trust ratio
||w|| / ||update|| scaling the step (1 where either norm is zero).
"""

from __future__ import annotations

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR


class Lamb(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-6, weight_decay: float = 0.0):
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.float()
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, dtype=torch.float32)
                    state["exp_avg_sq"] = torch.zeros_like(p, dtype=torch.float32)
                state["step"] += 1
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
        return loss


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
    decay, plain = [], []
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
