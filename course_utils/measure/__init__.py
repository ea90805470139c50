"""Measuring what training costs (chapters 10 and 11).

* :mod:`.cost`           multiply-accumulates per step, training FLOPs, the machine's matmul ceiling (chapter 11)
* :mod:`.sequence_cost`  time and peak memory of one training pass per sequence length, log-log slopes (chapter 10)
* :mod:`.timing`         seconds per epoch without the tracing epoch, line fits (chapter 11)
* :mod:`.fresh_process`  run ``python -m module`` in a fresh process with a time limit and read its JSON answer
  (used by sequence_cost, distributed and the speech runs)
"""
