"""The run report's loss figure: a running mean beside the raw loss only where it averages
several steps; a short run's loss is one line, without a "mean of 1" twin."""

from __future__ import annotations

import pytest
from support.fabricated import make_result

from perfkit.report import plots


@pytest.mark.parametrize(("steps", "labels"), [(20, [None]), (39, [None]), (100, ["loss", "mean of 5"])])
def test_the_running_mean_is_drawn_only_over_two_steps_or_more(steps, labels):
    loss_fig, _ = plots.training_curves(make_result(loss=[10.0 - 0.01 * i for i in range(steps)]))
    ax = loss_fig.axes[0]
    shown = [None if line.get_label().startswith("_") else line.get_label() for line in ax.get_lines()]
    assert shown == labels  # matplotlib names an unlabelled line "_child0" or so: no legend entry
    assert (ax.get_legend() is not None) == (len(labels) > 1)
    assert len(ax.get_lines()[-1].get_ydata()) == steps - (steps // 20 - 1 if steps // 20 >= 2 else 0)
