"""The training loop, its phase timers, and the metric arithmetic they feed."""
