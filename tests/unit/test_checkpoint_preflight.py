"""The preflight's missing-tensor check (perfkit.benchmarks.checkpoint.missing_tensors): from the
safetensors headers and a model on the meta device, without loading weights."""

from __future__ import annotations

import pytest
import safetensors.torch
from transformers import BertConfig, BertForMaskedLM, BertForPreTraining, BertModel

from perfkit.benchmarks.checkpoint import check_complete, missing_tensors
from perfkit.errors import DataError

CONFIG = BertConfig(vocab_size=512, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=64, type_vocab_size=2)


@pytest.fixture()
def saved(tmp_path):
    folder = tmp_path / "ckpt"
    BertForPreTraining(CONFIG).save_pretrained(folder)
    return folder


def test_a_complete_checkpoint_lacks_nothing_for_its_class_and_a_smaller_head(saved):
    assert missing_tensors(BertForPreTraining, saved, CONFIG) == []  # the tied decoder is not saved, yet present
    assert missing_tensors(BertForMaskedLM, saved, CONFIG) == []


def test_a_base_model_checkpoint_lacks_exactly_the_heads(tmp_path):
    folder = tmp_path / "base"
    BertModel(CONFIG).save_pretrained(folder)
    missing = missing_tensors(BertForPreTraining, folder, CONFIG)
    assert missing and all(name.startswith("cls.") for name in missing)
    assert "cls.seq_relationship.weight" in missing


def test_a_dropped_tensor_is_named_and_refused_unless_allowed(saved):
    weights = saved / "model.safetensors"
    tensors = safetensors.torch.load_file(weights)
    tensors.pop("bert.encoder.layer.0.output.dense.weight")
    safetensors.torch.save_file(tensors, weights, metadata={"format": "pt"})
    assert missing_tensors(BertForPreTraining, saved, CONFIG) == ["bert.encoder.layer.0.output.dense.weight"]
    with pytest.raises(DataError, match="lacks 1 tensor"):
        check_complete(BertForPreTraining, str(saved), CONFIG, allow_partial=False)
    check_complete(BertForPreTraining, str(saved), CONFIG, allow_partial=True)
