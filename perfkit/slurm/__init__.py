"""Runs and suites on a Slurm cluster: one generated ``sbatch`` script per run, or per job array
of runs that ask for the same allocation.

- ``options``: what the user asks of Slurm (partition, account, time, extra sbatch/srun options);
- ``script``: the job script, as text (a pure function of the run(s) and the options);
- ``job_ids``: job ids and array task ids (``12`` and ``12_3``), checked;
- ``node``: what each task of the job runs (``python -m perfkit.slurm.node``): node 0 executes
  the notebook and hosts the rendezvous, the others join it;
- ``commands``: sbatch, scontrol, sacct and scancel, called and parsed;
- ``states``: Slurm's job states mapped to perfkit's run statuses;
- ``ledger``: one record per submitted run (job or array task) under ``reports/jobs/<jobid>.json``;
- ``settle``: a finished job's result.json corrected by how Slurm ended it;
- ``launcher``: ``SlurmLauncher``, the ``slurm`` job launcher (perfkit.jobs.launcher): submit,
  wait with progress, settle;
- ``suite``: a suite as one job per run (runs of one shape as a job array), with a concurrency cap
  and resume;
- ``arguments``: the launcher's command-line options;
- ``status``: ``perfkit status``.

Nothing is imported here: ``perfkit --help`` loads the launcher class and its options, not torch.
"""
