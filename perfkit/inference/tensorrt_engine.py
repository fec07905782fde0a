"""TensorRT: the ONNX export built into a TensorRT engine (fp16 flag for fp16), run on torch's
CUDA stream with tensor addresses bound in place. Needs the ``tensorrt`` package and a CUDA card;
without them it refuses to run."""

from __future__ import annotations

from pathlib import Path

import torch

from perfkit.errors import DataError, VendorError
from perfkit.inference.base import InferenceBackend, Inputs
from perfkit.inference.onnx_export import OUTPUT, export_onnx
from perfkit.results import vocabulary as vocab


def _tensorrt():
    try:
        import tensorrt
    except ImportError:
        raise VendorError(
            "key 'backend': 'tensorrt' needs the tensorrt Python package and a CUDA card "
            "(pip install tensorrt); it is not installed here"
        ) from None
    return tensorrt


class TensorRT(InferenceBackend):
    name = "tensorrt"
    precisions = frozenset({"fp32", "fp16"})
    device_types = frozenset({"cuda"})

    def check_available(self) -> None:
        _tensorrt()
        super().check_available()

    def prepare(self, model: torch.nn.Module, example: Inputs, workdir: Path) -> None:
        trt = _tensorrt()
        # TensorRT takes fp32 weights and chooses fp16 kernels itself under the FP16 flag.
        path = export_onnx(model.float(), {k: v.to(torch.int32) for k, v in example.items()}, workdir / "model.onnx")
        model.to(self.dtype)
        logger = trt.Logger(trt.Logger.WARNING)
        builder = trt.Builder(logger)
        network = builder.create_network(0)
        parser = trt.OnnxParser(network, logger)
        if not parser.parse_from_file(str(path)):
            raise DataError(f"TensorRT cannot parse the ONNX export: {parser.get_error(0)}")
        config = builder.create_builder_config()
        if self.precision == "fp16":
            config.set_flag(trt.BuilderFlag.FP16)
        serialized = builder.build_serialized_network(network, config)
        if serialized is None:
            raise RuntimeError("TensorRT failed to build an engine from the ONNX export")
        self.engine = trt.Runtime(logger).deserialize_cuda_engine(serialized)
        self.context = self.engine.create_execution_context()
        shape = tuple(self.engine.get_tensor_shape(OUTPUT))
        out_dtype = torch.float16 if self.engine.get_tensor_dtype(OUTPUT) == trt.DataType.HALF else torch.float32
        self.output = torch.empty(shape, dtype=out_dtype, device=self.device)
        self(example)

    def __call__(self, inputs: Inputs) -> torch.Tensor:
        kept = {name: tensor.to(torch.int32) for name, tensor in inputs.items()}
        for name, tensor in kept.items():
            self.context.set_tensor_address(name, tensor.data_ptr())
        self.context.set_tensor_address(OUTPUT, self.output.data_ptr())
        self.context.execute_async_v3(torch.cuda.current_stream(self.device).cuda_stream)
        return self.output

    def describe(self) -> dict[str, str]:
        return {vocab.BACKEND: self.name, vocab.ENGINE: f"tensorrt {_tensorrt().__version__}"}
