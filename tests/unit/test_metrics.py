import math

import pytest

from perfkit.measure.metrics import TrainingTimings, accuracy, memory_use, mfu, training_throughput


def test_throughputs_follow_the_definitions():
    t = TrainingTimings(e2e=120.0, train_window=100.0, evaluation=20.0, compute=50.0, samples=4000)
    p = training_throughput(t)
    assert p.e2e_time == 120.0
    assert p.p_whole == pytest.approx(40.0)  # 4000 / 100
    assert p.p_train == pytest.approx(50.0)  # 4000 / (100 - 20)
    assert p.p_core == pytest.approx(80.0)  # 4000 / 50
    assert p.p_core >= p.p_train >= p.p_whole


def test_no_evaluation_makes_p_train_equal_p_whole():
    p = training_throughput(TrainingTimings(e2e=11.0, train_window=10.0, evaluation=0.0, compute=8.0, samples=100))
    assert p.p_train == pytest.approx(p.p_whole)


@pytest.mark.parametrize(
    "timings",
    [
        TrainingTimings(e2e=10, train_window=10, evaluation=11, compute=1, samples=1),  # eval > window
        TrainingTimings(e2e=10, train_window=10, evaluation=5, compute=6, samples=1),  # compute > train-eval
        TrainingTimings(e2e=9, train_window=10, evaluation=0, compute=1, samples=1),  # window > e2e
        TrainingTimings(e2e=10, train_window=10, evaluation=0, compute=-1, samples=1),
    ],
)
def test_inconsistent_timings_are_refused(timings):
    with pytest.raises(ValueError):
        training_throughput(timings)


def test_zero_durations_give_nan_not_a_division_error():
    p = training_throughput(TrainingTimings(e2e=0, train_window=0, evaluation=0, compute=0, samples=0))
    assert math.isnan(p.p_core) and math.isnan(p.p_whole)


def test_memory_is_the_busiest_rank_in_gib():
    use = memory_use([1 << 30, 3 << 30, 2 << 30], 32 << 30)
    assert use.peak_gib == 3.0 and use.total_gib == 32.0
    assert use.label() == "3.00/32.0"


def test_accuracy_and_mfu():
    assert accuracy(72, 100) == 0.72
    assert math.isnan(accuracy(0, 0))
    assert mfu(1e9, 1000, 2.0) == pytest.approx(0.5)  # 1e12 FLOP/s of a 2 TFLOP/s peak
    assert mfu(1e9, 1000, None) is None
