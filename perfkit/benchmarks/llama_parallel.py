"""How the Llama model is spread over the processes: activation checkpointing, torch.compile and
FSDP2, applied in that order (torchtitan's), in place, before the optimizer is built.

FSDP2 (``torch.distributed.fsdp.fully_shard``) shards every decoder layer and then the root
(embedding, final norm, output projection) over a 1-D device mesh of all the processes: each
process keeps 1/world of every parameter, gradient and optimizer state; parameters are gathered
per layer for forward and backward, gradients reduce-scattered (averaged). The engine does not
add DDP on top of a sharded model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch

if TYPE_CHECKING:  # the run's distributed context (perfkit.engine, a layer above) is handed in
    from transformers import PreTrainedModel

    from perfkit.engine.distributed import DistContext


def decoder_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    return list(model.get_submodule("model.layers").children())


def apply_parallelism(model: torch.nn.Module, ctx: DistContext, device: torch.device, *, fsdp: bool,
                      checkpointing: bool, compile_layers: bool) -> tuple[bool, str]:
    """(whether the model is now data-parallel by itself, the description for the record)."""
    notes = []
    layers = decoder_layers(model)
    if checkpointing:
        model = cast("PreTrainedModel", model)  # the benchmark's transformers LlamaForCausalLM
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x; the old name is deprecated
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        notes.append("activation checkpointing per decoder layer")
    if compile_layers:
        for layer in layers:
            layer.compile()
        notes.append("torch.compile per decoder layer")
    if fsdp and ctx.distributed:
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        mesh = init_device_mesh(device.type, (ctx.world_size,))
        for index, layer in enumerate(layers):
            # the last layer's parameters are needed again at once by backward: keep them gathered
            fully_shard(layer, mesh=mesh, reshard_after_forward=index < len(layers) - 1)
        fully_shard(model, mesh=mesh)
        how = (f"FSDP2 fully_shard over {ctx.world_size} processes ({ctx.backend or 'default'}): "
               f"{len(layers)} decoder layers + root (embedding, final norm, output), fp32 shards")
        return True, "; ".join([how, *notes])
    how = "DDP (whole model replicated)" if ctx.distributed else "single process, not sharded"
    return False, "; ".join([how, *notes])
