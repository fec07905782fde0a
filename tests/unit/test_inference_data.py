"""The masked-LM eval set: offline builder, reader, 10% masking, chunking, batching, checkpoint."""

from __future__ import annotations

import json

import pytest
import torch

from perfkit.benchmarks.bert_inference import BertInference, BertInferenceParams
from perfkit.data import text_eval
from perfkit.errors import DataError

from support.cli import run_cli

SMALL = dict(num_layers=1, hidden_size=32, num_heads=2, intermediate_size=64, vocab_size=4096, seq_len=32,
             batch_size=4, eval_samples=16)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("inference") / "eval"
    content = text_eval.build_eval_text(out, text_eval.EvalTextSettings(max_documents=4))
    return out, content


def test_builder_is_deterministic_and_writes_a_manifest(built, tmp_path):
    out, content = built
    again = text_eval.build_eval_text(tmp_path / "again", text_eval.EvalTextSettings(max_documents=4))
    assert again == content
    assert (out / "eval.txt").read_bytes() == (tmp_path / "again" / "eval.txt").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["content_sha256"] == content and manifest["files"] == ["eval.txt", "vocab.txt"]
    other = text_eval.build_eval_text(tmp_path / "other", text_eval.EvalTextSettings(max_documents=4, seed=7))
    assert other != content


def test_missing_and_empty_eval_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        text_eval.read_eval_text(tmp_path / "absent.txt")
    (tmp_path / "empty.txt").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(DataError, match="is empty"):
        text_eval.read_eval_text(tmp_path / "empty.txt")


def test_ten_percent_of_text_tokens_are_masked_with_labels_kept(built):
    out, _ = built
    vocab = out / "vocab.txt"
    ids = text_eval.tokenize(text_eval.read_eval_text(out / "eval.txt"), vocab)
    arrays = text_eval.mask_and_chunk(ids, vocab, 64, 0.1, seed=3)
    index = text_eval.wordpiece_index(vocab)
    input_ids, labels, attention = arrays["input_ids"], arrays["labels"], arrays["attention_mask"]
    assert input_ids.shape[1] == 64 and input_ids.shape == labels.shape == attention.shape
    assert (input_ids[:, 0] == index["[CLS]"]).all()
    text_tokens = int(attention.sum()) - 2 * input_ids.shape[0]
    masked = labels != -100
    assert int(masked.sum()) == round(0.1 * text_tokens)
    assert (input_ids[masked] == index["[MASK]"]).all()
    # unmasking gives back the tokenized text, in order
    restored = torch.where(masked, labels, input_ids)
    body = restored[:, 1:-1][attention[:, 1:-1] == 1]
    body = body[body != index["[SEP]"]]
    assert body.tolist() == ids
    same = text_eval.mask_and_chunk(ids, vocab, 64, 0.1, seed=3)
    assert torch.equal(same["labels"], labels)
    assert not torch.equal(text_eval.mask_and_chunk(ids, vocab, 64, 0.1, seed=4)["labels"], labels)


def test_batches_have_exactly_batch_size_and_too_few_sequences_fail(built):
    out, _ = built
    vocab = out / "vocab.txt"
    ids = text_eval.tokenize(text_eval.read_eval_text(out / "eval.txt"), vocab)
    arrays = text_eval.mask_and_chunk(ids, vocab, 32, 0.1, seed=1, max_sequences=10)
    batches = text_eval.fixed_batches(arrays, 4, out / "eval.txt")
    assert [b["input_ids"].shape[0] for b in batches] == [4, 4]
    with pytest.raises(DataError, match="fewer than one batch"):
        text_eval.fixed_batches(arrays, 11, out / "eval.txt")


def test_cli_builds_the_offline_set(tmp_path):
    done = run_cli("data", "build", "bert_inference", "--out", str(tmp_path / "set"), "--set", "max_documents=2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "set" / "eval.txt").stat().st_size > 0
    assert text_eval.check_vocab(tmp_path / "set" / "vocab.txt") <= 4096


def _bench(data_dir, **changes) -> BertInference:
    return BertInference(BertInferenceParams(**{**SMALL, "data_dir": str(data_dir), "data_autobuild": True, **changes}))


def test_checkpoint_is_saved_and_loaded_back_through_the_same_path(tmp_path):
    bench = _bench(tmp_path / "set")
    identity = bench.prepare_data()
    assert identity.method == "sha256 of the files read" and identity.matches_build is True
    folder = tmp_path / "set" / "checkpoint"
    assert (folder / "config.json").is_file() and list(folder.glob("*.safetensors"))
    first = bench.build_model().state_dict()
    second = _bench(tmp_path / "set").build_model().state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert bench.checkpoint_identity()["hash"] == _bench(tmp_path / "set").checkpoint_identity()["hash"]


def test_a_checkpoint_for_other_params_is_built_beside_not_over_the_first(tmp_path):
    """Issue 21: two configs share data_dir with different seeds; the second's autobuild keeps
    the first's checkpoint (which a running run may be loading) and builds checkpoint.<key>."""
    first = _bench(tmp_path / "set")
    first.prepare_data()
    original = first.checkpoint_identity()
    second = _bench(tmp_path / "set", seed=7)
    second.prepare_data()
    assert second.checkpoint_dir().parent == tmp_path / "set"
    assert second.checkpoint_dir().name.startswith("checkpoint.")
    assert _bench(tmp_path / "set").checkpoint_identity() == original  # untouched
    assert second.checkpoint_identity()["hash"] != original["hash"]


def test_a_mismatched_checkpoint_is_a_clear_error(tmp_path):
    _bench(tmp_path / "set").prepare_data()
    other = _bench(tmp_path / "set", num_layers=2, data_autobuild=False,
                   init_checkpoint=str(tmp_path / "set" / "checkpoint"))
    with pytest.raises(DataError, match=r"key 'init_checkpoint'.*num_hidden_layers=1.*2"):
        other.check_model_inputs()
    with pytest.raises(DataError, match="does not exist"):
        _bench(tmp_path / "set", data_autobuild=False, init_checkpoint=str(tmp_path / "nowhere")).check_model_inputs()


def test_a_vocabulary_larger_than_vocab_size_is_refused(tmp_path):
    with pytest.raises(DataError, match="vocab_size"):
        _bench(tmp_path / "set", vocab_size=100).prepare_data()


def test_the_smoke_checkpoint_prior_comes_from_text_outside_the_eval_file(built):
    out, _ = built
    settings = text_eval.EvalTextSettings(max_documents=4)
    held_out = set(text_eval.held_out_text(settings).splitlines())
    eval_lines = set(text_eval.read_eval_text(out / "eval.txt").splitlines())
    assert held_out and eval_lines and not held_out & eval_lines
    assert text_eval.held_out_text(text_eval.EvalTextSettings(max_documents=0)) == ""
