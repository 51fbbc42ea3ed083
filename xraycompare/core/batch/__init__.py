"""Cohort batches: register and compare many pairs, resumable, locally or on a cluster.

:mod:`.pairs` reads ``PAIRS.csv``; :mod:`.steps` holds the per-pair work as named steps;
:mod:`.job` runs one pair in a worker and writes its outputs and :mod:`.manifest`;
:mod:`.engines` runs the jobs (:mod:`.engine` is what they share) on a local process pool (:mod:`.local_pool`) or on Dask or
Ray (:mod:`.clusters`); :mod:`.run` plans, runs and resumes a batch; :mod:`.summary` writes
``summary.csv``.
"""
