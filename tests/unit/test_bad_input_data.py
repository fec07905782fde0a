"""Bad data must not be recorded as ok: weights or outputs that are NaN/inf, an eval set with
nothing to score. Each is refused where it is first seen, in one line naming what is wrong."""

from __future__ import annotations

import pytest
import torch

from perfkit.benchmarks.bert_inference import BertInference, BertInferenceParams
from perfkit.data import text_eval
from perfkit.engine.infer_loop import NonFiniteOutput, infer
from perfkit.measure.timers import PhaseClock
from perfkit.errors import DataError
from perfkit.inference import get_backend
from perfkit.vendors import get_vendor

SMALL = dict(num_layers=1, hidden_size=32, num_heads=2, intermediate_size=64, vocab_size=4096, seq_len=32,
             batch_size=4, eval_samples=16, warmup_batches=0, min_batches=4, min_seconds=0.0, max_documents=2)
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> BertInference:
    data = tmp_path_factory.mktemp("bad-data") / "set"
    built = BertInference(BertInferenceParams(**SMALL, data_dir=str(data), data_autobuild=True))
    built.prepare_data()
    return built


def _poisoned(bench: BertInference, where: str, value: float) -> BertInference:
    model = bench.build_model()
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            if where == "all" or name == where:
                tensor.fill_(value)
    copy = BertInference(bench.params)
    copy.build_model = lambda: model  # the weights as a broken checkpoint would give them
    return copy


@pytest.mark.parametrize("where, value", [("all", float("nan")), ("all", float("inf")),
                                          ("cls.predictions.bias", float("nan")),
                                          ("bert.embeddings.LayerNorm.weight", float("inf"))])
def test_non_finite_logits_fail_the_run_instead_of_recording_accuracy(bench, where, value):
    vendor = get_vendor("cpu")
    clock = PhaseClock(vendor.synchronize)
    with pytest.raises(NonFiniteOutput, match="non-finite logits detected in the validation pass"):
        infer(_poisoned(bench, where, value), get_backend("torch", CPU, "fp32"), vendor, CPU, clock.now(), clock)


def test_finite_weights_still_measure_an_accuracy(bench):
    vendor = get_vendor("cpu")
    clock = PhaseClock(vendor.synchronize)
    outcome = infer(bench, get_backend("torch", CPU, "fp32"), vendor, CPU, clock.now(), clock)
    assert outcome.validation.total > 0 and 0 <= outcome.validation.accuracy <= 1


def test_an_eval_set_without_masked_tokens_is_refused_at_load(bench):
    arrays = {key: value.clone() for key, value in
              text_eval.mask_and_chunk(list(range(5, 200)), bench._files()[1], 32, 0.1, 0).items()}
    arrays["labels"].fill_(-100)
    with pytest.raises(DataError, match="no masked tokens"):
        text_eval.fixed_batches(arrays, 2, bench._files()[0])


def test_masked_tokens_only_in_a_dropped_partial_batch_are_refused(bench):
    arrays = text_eval.mask_and_chunk(list(range(5, 200)), bench._files()[1], 32, 0.1, 0)
    rows = arrays["input_ids"].shape[0]
    arrays["labels"][: rows - 1] = -100  # the only masked tokens are in the last sequence
    with pytest.raises(DataError, match="no masked tokens"):
        text_eval.fixed_batches(arrays, rows - 1, bench._files()[0])
