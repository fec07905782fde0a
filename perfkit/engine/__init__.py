"""The loops that run a benchmark (training, inference), the peak they are measured against,
and what they run under: the distributed context, the precision policy, planned faults."""
