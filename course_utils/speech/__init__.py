"""Speech recognition with CTC (chapter 13). The data itself is loaded by :mod:`course_utils.datasets.speech`.

* :mod:`.espeak`    eSpeak NG through ctypes, one fresh library per utterance (deterministic samples)
* :mod:`.features`  log-mel spectrograms with ``tf.signal``, normalisation fitted on training data
* :mod:`.ctc`       the CTC label convention, collapsing, edit distance, digit error rate
* :mod:`.model`     the acoustic model (Conv1D + BiGRU), output lengths, masking, the CTC training loop, decoding
* :mod:`.runs`      features computed once, trainings run two at a time in one-thread processes
"""
