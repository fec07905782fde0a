"""Runs and suites on a Slurm cluster: one generated ``sbatch`` script per run.

- ``options``: what the user asks of Slurm (partition, account, time, extra sbatch/srun options);
- ``script``: the job script, as text (a pure function of the run and the options);
- ``node``: what each task of the job runs (``python -m perfkit.slurm.node``): node 0 executes
  the notebook and hosts the rendezvous, the others join it;
- ``commands``: sbatch, scontrol, sacct and scancel, called and parsed;
- ``states``: Slurm's job states mapped to perfkit's run statuses;
- ``ledger``: one record per submitted job under ``reports/jobs/<jobid>.json``;
- ``settle``: a finished job's result.json corrected by how Slurm ended it;
- ``launcher``: ``SlurmLauncher``, the ``slurm`` job launcher (perfkit.jobs.launcher): submit,
  wait with progress, settle;
- ``suite``: a suite as one job per run, with a concurrency cap and resume;
- ``cli``: the command-line options, ``perfkit status``.

Nothing is imported here: ``perfkit --help`` loads the launcher class and its options, not torch.
"""
