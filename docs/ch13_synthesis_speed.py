"""Synthesis and feature speed on one core (run under /work/bin/cpu-exp)."""
import time
import numpy as np
from course_utils.datasets import load_spoken_digits
from course_utils import speech_features as F, config
config.import_tensorflow()
data = load_spoken_digits(n_train=600, n_val=5, n_test=5, seed=0)
t = time.perf_counter(); waves = data.train.waveforms(); ts = time.perf_counter() - t
secs = sum(len(w) for w in waves) / 16000
print(f"synthesis: {len(waves)} utterances in {ts:.2f} s = {len(waves)/ts:.0f} utt/s; {secs:.0f} s of audio "
      f"(mean {secs/len(waves):.2f} s, max {max(len(w) for w in waves)/16000:.2f} s)")
F.log_mel_spectrogram(waves[:8], 16000)
t = time.perf_counter(); feats = F.log_mel_spectrogram(waves, 16000); tf_ = time.perf_counter() - t
t = time.perf_counter(); feats = [f for b in range(0, 600, 128) for f in F.log_mel_spectrogram(waves[b:b+128], 16000)]; tf2 = time.perf_counter() - t
print(f"log-mel: {len(waves)} utterances in {tf_:.2f} s as one batch, {tf2:.2f} s in batches of 128; mean {np.mean([len(f) for f in feats]):.0f} frames")
t = time.perf_counter(); clean = data.train.with_snr(None).waveforms(); print(f"clean synthesis {len(clean)/(time.perf_counter()-t):.0f} utt/s")
