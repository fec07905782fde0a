"""Hardware spec cases: what a machine can do, measured with PyTorch, beside its datasheet.

One module per case (FlagPerf's ``base/`` cases): ``gemm`` (compute per dtype),
``memory_bandwidth``, ``memory_capacity``, ``transfer`` (h2d, d2h, p2p) and ``collectives``
(all_reduce, all_gather with nccl-tests' bus bandwidth). Each case takes a vendor adapter,
sizes, a warm-up, a minimum duration and a timeout, and returns a typed result
(perfkit.specs.result): ``Measured`` with its spread over repeats, or ``NotApplicable`` with the
reason. ``perfkit.specs.datasheet`` pairs a result with the hardware file's datasheet value.
"""
