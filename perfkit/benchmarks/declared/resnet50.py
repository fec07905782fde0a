"""ResNet-50 on ImageNet2012 as the host sees it: params (reference: transformers' ResNet-50 v1.5)
and description. The architecture keys are there so that a CPU smoke can train a small ResNet."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.declared.image_classification import ImageClassificationParams
from perfkit.params import limits
from perfkit.params.memory import MemoryEstimate
from perfkit.params.schema import ParamRuleError
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo


class ResNet50Params(ImageClassificationParams):
    learning_rate: float = Field(0.1, gt=0, description="initial SGD learning rate")
    weight_decay: float = Field(1e-4, ge=0, description="L2 weight decay")
    lr_decay: float = Field(0.1, gt=0, le=1, description="learning-rate factor every lr_decay_epochs")
    lr_decay_epochs: int = Field(30, gt=0, description="epochs between learning-rate decays")
    target_top1: float = Field(0.759, gt=0, le=1, description="convergence target, top-1 accuracy")
    embedding_size: int = Field(64, gt=0, le=limits.MAX_MODEL_WIDTH, description="channels of the 7x7 stem convolution")
    hidden_sizes: list[int] = Field([256, 512, 1024, 2048], min_length=1, max_length=64,
                                    description="output channels of each stage")
    depths: list[int] = Field([3, 4, 6, 3], min_length=1, max_length=64, description="blocks per stage")
    layer_type: Literal["bottleneck", "basic"] = Field("bottleneck", description="residual block type")

    @model_validator(mode="after")
    def _one_depth_per_stage(self):  # noqa: ANN202
        if len(self.hidden_sizes) != len(self.depths):
            raise ParamRuleError(("depths", "hidden_sizes"),
                                 f"hidden_sizes has {len(self.hidden_sizes)} stages but depths has {len(self.depths)}; "
                                 "give one depth per stage")
        for key, values, top in (("hidden_sizes", self.hidden_sizes, limits.MAX_MODEL_WIDTH),
                                 ("depths", self.depths, limits.MAX_LAYERS)):
            if any(not 1 <= v <= top for v in values):
                raise ParamRuleError((key,), f"every entry must be a whole number in 1..{top}")
        return self

    def memory_estimate(self) -> MemoryEstimate:
        """Convolution weights (bottleneck: 1x1, 3x3 at a quarter width, 1x1; basic: two 3x3),
        16 bytes each for training; activations: each stage's output map per image, 4 bytes."""
        parameters, side, width_in = 0, self.image_size // 4, self.embedding_size
        activations = 0
        for stage, (width, depth) in enumerate(zip(self.hidden_sizes, self.depths, strict=False)):
            if stage:
                side = max(1, side // 2)
            inner = max(1, width // 4) if self.layer_type == "bottleneck" else width
            per_block = (width * inner + 9 * inner * inner + inner * width) if self.layer_type == "bottleneck" \
                else 18 * width * width
            parameters += depth * per_block + width_in * width
            activations += depth * side * side * width
            width_in = width
        parameters += width_in * self.num_labels
        return MemoryEstimate(parameters=parameters, weight_bytes=16 * parameters,
                              activation_bytes=4 * self.batch_size * activations)


INFO = BenchmarkInfo(
    name="resnet50",
    title="ResNet50 on ImageNet2012",
    kind=vocab.TRAINING,
    task="图像分类",
    model="resnet50",
    dataset="ImageNet2012 (train/<class>/*.JPEG folder layout)",
    quality_metric=vocab.TOP1_ACCURACY,
    quality_label="单位为top1分类准确率(acc1)",
    notebook="resnet50_training.ipynb",
    quality_column="acc",
)
DECLARATION = BenchmarkDeclaration(ResNet50Params, INFO)
