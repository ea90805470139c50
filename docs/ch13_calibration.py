"""Calibration for chapter 13 (not part of the course): one Conv1D + 2xBiGRU(64) CTC run on the spoken digits,
time-boxed, with the digit error rate on the unseen test voices by noise condition, voice and rate.

    python docs/ch13_calibration.py N_TRAIN BUDGET_SECONDS SEED [specaug|none] [N_VARIANTS|all] [utt|global] [mixed|20]

(run on one core: ``/work/bin/cpu-exp env PYTHONPATH=$PWD python docs/ch13_calibration.py 3000 120 0 specaug all utt mixed``).
Results: docs/ch13_calibration.md.
"""
import sys, time
import numpy as np
from course_utils import config, ctc, speech_features as F
from course_utils.datasets import load_spoken_digits
tf = config.import_tensorflow()
import keras

N_TRAIN, BUDGET_S, SEED = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
AUGMENT = len(sys.argv) > 4 and sys.argv[4] == "specaug"
N_VAR = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "all" else None
NORM = sys.argv[6] if len(sys.argv) > 6 else "utt"
TRAIN_SNR = (None, 20.0, 10.0) if len(sys.argv) > 7 and sys.argv[7] == "mixed" else 20.0
print("config", N_TRAIN, BUDGET_S, SEED, AUGMENT, N_VAR, NORM, TRAIN_SNR, flush=True)
keras.utils.set_random_seed(SEED)
T0 = time.perf_counter()
data = load_spoken_digits(n_train=N_TRAIN, n_val=300, n_test=500, seed=SEED, n_train_variants=N_VAR, train_snr_db=TRAIN_SNR)
raw = {name: F.split_features(split) for name, split in
       [("train", data.train), ("val", data.val)] + [(k, v) for k, v in data.conditions.items()]}
if NORM == "utt":
    feats = {k: F.normalise_per_utterance(v) for k, v in raw.items()}
else:
    norm = F.FeatureNormalizer().fit(raw["train"])
    feats = {k: norm.transform(v) for k, v in raw.items()}
digits = {"train": data.train.digits, "val": data.val.digits, **{k: v.digits for k, v in data.conditions.items()}}
print(f"data + features: {time.perf_counter() - T0:.1f} s", flush=True)

def batches(name, size, shuffle, rng=None):
    f, d = feats[name], digits[name]
    order = np.argsort([len(x) for x in f], kind="stable")
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(groups)
    for g in groups:
        x, lengths = F.pad_batch([f[i] for i in g])
        y, _ = ctc.encode_batch([d[i] for i in g])
        yield x, y, lengths, g

def out_lengths(lengths):
    return -(-(-(-lengths // 2)) // 2)

inp = keras.Input((None, F.N_MELS))
x = inp
x = keras.layers.Conv1D(96, 5, strides=2, padding="same", activation="relu")(x)
x = keras.layers.Conv1D(96, 5, strides=2, padding="same", activation="relu")(x)
x = keras.layers.Bidirectional(keras.layers.GRU(64, return_sequences=True))(x)
x = keras.layers.Bidirectional(keras.layers.GRU(64, return_sequences=True))(x)
out = keras.layers.Dense(ctc.N_CLASSES)(x)
model = keras.Model(inp, out)
opt = keras.optimizers.Adam(1e-3, clipnorm=5.0)
print("parameters", model.count_params(), flush=True)

@tf.function(reduce_retracing=True)
def train_step(x, y, y_len, x_len):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = tf.reduce_mean(keras.ops.ctc_loss(y, logits, y_len, x_len))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss

def spec_augment(x, rng):
    x = x.copy()
    for row in x:
        for _ in range(2):
            w = rng.integers(0, 6); f0 = rng.integers(0, F.N_MELS - w); row[:, f0:f0 + w] = 0
        for _ in range(2):
            w = rng.integers(0, 11); t0 = rng.integers(0, max(1, row.shape[0] - w)); row[t0:t0 + w] = 0
    return x

@tf.function(reduce_retracing=True)
def predict(x):
    return model(x, training=False)

def evaluate(name):
    hyps = [None] * len(feats[name]); losses = []
    for x, y, lengths, g in batches(name, 64, False):
        logits = predict(x)
        ol = out_lengths(lengths)
        losses.append(float(tf.reduce_mean(keras.ops.ctc_loss(y, logits, np.array([len(digits[name][i]) for i in g]), ol))))
        dec, _ = keras.ops.ctc_decode(logits, ol, strategy="greedy")
        for i, s in zip(g, ctc.decoded_to_digits(keras.ops.convert_to_numpy(dec))):
            hyps[i] = s
    return ctc.digit_error_rate(digits[name], hyps), ctc.string_accuracy(digits[name], hyps), float(np.mean(losses)), hyps

rng = np.random.default_rng(SEED)
start = time.perf_counter(); epoch = 0; history = []
while time.perf_counter() - start < BUDGET_S:
    epoch += 1; t = time.perf_counter(); losses = []
    for x, y, lengths, g in batches("train", 32, True, rng):
        if AUGMENT:
            x = spec_augment(x, rng)
        losses.append(float(train_step(x, y, np.array([len(digits["train"][i]) for i in g], "int32"), out_lengths(lengths))))
    der, acc, vloss, _ = evaluate("val")
    history.append((epoch, time.perf_counter() - t, np.mean(losses), vloss, der, acc))
    print(f"epoch {epoch}: {time.perf_counter() - t:.0f} s, train loss {np.mean(losses):.3f}, val loss {vloss:.3f}, "
          f"val DER {der:.3f}, val strings {acc:.3f}", flush=True)
print(f"training: {time.perf_counter() - start:.0f} s, {epoch} epochs", flush=True)
rows = {}
for name in data.conditions:
    der, acc, loss, hyps = evaluate(name)
    rows[name] = (der, acc, loss)
    print(f"test {name}: DER {der:.3f}, whole strings {acc:.3f}, loss {loss:.3f}")
_, _, _, hyps = evaluate("20 dB")
by_voice = {}
for u, h in zip(data.test.utterances, hyps):
    by_voice.setdefault(u.variant, []).append((u.digits, h))
for v, pairs in by_voice.items():
    r, h = zip(*pairs); print(f"  {v}: DER {ctc.digit_error_rate(r, h):.3f}")
rates = data.test.rates
for lo, hi in [(130, 163), (164, 196), (197, 230)]:
    idx = [i for i, r in enumerate(rates) if lo <= r <= hi]
    print(f"  rate {lo}-{hi}: DER {ctc.digit_error_rate([digits['20 dB'][i] for i in idx], [hyps[i] for i in idx]):.3f}")
print("examples of errors:", [(r, h) for r, h in zip(digits["20 dB"], hyps) if r != h][:8])
print(f"total wall time {time.perf_counter() - T0:.0f} s")
