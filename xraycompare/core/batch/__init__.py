"""Cohort batches: register and compare many pairs, resumable, locally or on a cluster.

:mod:`.pairs` reads ``PAIRS.csv``; :mod:`.steps` holds the per-pair work as named steps;
:mod:`.job` runs one pair in a worker and writes its outputs and :mod:`.manifest`;
:mod:`.engines` chooses where the jobs run: a local process pool (:mod:`.local_pool`) or
Dask or Ray (:mod:`.clusters`), which share :mod:`.engine`; :mod:`.run` plans, runs and
resumes a batch; :mod:`.summary` writes ``summary.csv``.
"""
