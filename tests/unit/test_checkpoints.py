"""Every training benchmark loads a local save_pretrained checkpoint through the same base code."""

from __future__ import annotations

import pytest
import torch

from perfkit.benchmarks import benchmark_class
from perfkit.errors import DataError

SMALL = {
    "bert": {"num_layers": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "vocab_size": 200, "seq_len": 32},
    "glm": {"num_layers": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "vocab_size": 200, "seq_len": 32},
    "mobilenetv2": {"image_size": 32, "depth_multiplier": 0.35, "num_labels": 10},
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_saved_model_loads_back_with_identical_weights(name, tmp_path):
    cls = benchmark_class(name)
    original = cls(cls.params_model(**SMALL[name])).build_model()
    original.save_pretrained(tmp_path / "ckpt")
    bench = cls(cls.params_model(**SMALL[name], seed=99, init_checkpoint=str(tmp_path / "ckpt")))
    bench.check_model_inputs()
    loaded = bench.build_model()
    for (key, a), b in zip(original.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), key


@pytest.mark.parametrize("name", ["bert", "glm"])
def test_a_checkpoint_of_another_shape_is_refused_naming_the_key(name, tmp_path):
    cls = benchmark_class(name)
    cls(cls.params_model(**SMALL[name])).build_model().save_pretrained(tmp_path / "ckpt")
    wider = {**SMALL[name], "hidden_size": 64, "init_checkpoint": str(tmp_path / "ckpt")}
    with pytest.raises(DataError, match="init_checkpoint.*hidden_size=32.*64"):
        cls(cls.params_model(**wider)).check_model_inputs()


def test_writing_the_initial_checkpoint_shows_no_transformers_bar(tmp_path, capfd):
    from transformers import BertConfig, BertForMaskedLM
    from transformers.utils import logging as hf_logging

    from perfkit.benchmarks.checkpoint import save_initial_checkpoint

    config = BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2, intermediate_size=64, vocab_size=100)
    hf_logging.enable_progress_bar()
    save_initial_checkpoint(BertForMaskedLM, config, tmp_path / "ckpt", seed=1)
    out, err = capfd.readouterr()
    assert "Writing model shards" not in out + err and "it/s" not in out + err
    assert hf_logging.is_progress_bar_enabled()  # left as it was
    assert (tmp_path / "ckpt" / "model.safetensors").is_file()
