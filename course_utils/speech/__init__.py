"""Speech recognition with CTC (chapter 13) and isolated digits from real speakers (chapter 14). The data itself is
loaded by :mod:`course_utils.datasets.speech`, :mod:`~course_utils.datasets.recordings` and
:mod:`~course_utils.datasets.isolated_digits`.

* :mod:`.espeak`    eSpeak NG through ctypes, one fresh library per utterance (deterministic samples)
* :mod:`.features`  log-mel spectrograms with ``tf.signal``, normalisation fitted on training data
* :mod:`.ctc`       the CTC label convention, collapsing, edit distance, digit error rate
* :mod:`.model`     the acoustic model (Conv1D + BiGRU), output lengths, masking, the CTC training loop, decoding
* :mod:`.runs`      features computed once, trainings run two at a time in one-thread processes
* :mod:`.speakers`  chapter 14: isolated-digit classifiers (masking through a Conv1D front end), per-utterance
  normalisation of a padded batch, shift and noise augmentation, fixed-epoch training and fine-tuning
* :mod:`.speaker_runs` chapter 14's trainings in one-thread processes, two at a time
"""
