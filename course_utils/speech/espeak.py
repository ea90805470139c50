"""The eSpeak NG speech synthesiser, driven through ``ctypes`` from the library that the PyPI package
``espeakng-loader`` ships (the shared library and its ``espeak-ng-data`` folder: no system install, no network).

:func:`synthesise_raw` turns text into 16-bit samples at eSpeak's native rate (:data:`NATIVE_RATE`, 22,050 Hz)
for a voice name such as ``"en-us+f2"`` (language or accent, ``+``, voice variant), a rate in words per minute
and a base pitch. :func:`voice_variants` lists the variants the data folder holds, :func:`variant_file` shows one
(a variant is a list of parameter changes to the same synthesiser: pitch, formants, voicing, consonant noise, echo,
breath), :func:`edited_variant` makes a changed copy for an experiment; :func:`status` says whether the
synthesiser loads (``python3 course.py doctor`` reports it).

Determinism. eSpeak keeps state between utterances in static variables that no call resets (the phase of its
pitch "flutter", an automatic gain control) and draws breath noise from its own and libc's random generators, so
the same text synthesised twice in one session differs slightly, even in length. Here every utterance therefore
runs in a freshly loaded library (a private copy of the shared library is loaded, used and unloaded again,
which adds under a millisecond) with both generators seeded: the samples depend only on (text, voice, rate, pitch).

Only one utterance is synthesised at a time (a lock): the library is not thread-safe.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

NATIVE_RATE = 22_050  # Hz: what eSpeak NG produces
RATE_RANGE = (80, 450)  # words per minute that eSpeak accepts without its "sonic" speed-up
PITCH_RANGE = (0, 100)  # eSpeak's base-pitch scale (50 is the voice's default)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3  # espeak_PARAMETER values
_RANDOM_SEED = 1

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_LOCK = threading.Lock()
_PRIVATE = {}  # "path" -> the private copy of the shared library in a temporary folder


class SynthesiserError(RuntimeError):
    """eSpeak NG is missing or failed; the message says what to do."""


def _loader():
    try:
        import espeakng_loader
    except ImportError:
        raise SynthesiserError(
            "the speech synthesiser comes with the package espeakng-loader, which is not installed: "
            "run `python course.py setup` (or `pip install espeakng-loader`)") from None
    return espeakng_loader


_DATA_OVERRIDE: list = []  # a temporary copy of the data folder while edited_variant() is active


def data_path() -> Path:
    """The ``espeak-ng-data`` folder shipped by espeakng-loader (voices, dictionaries, phoneme data), or its
    temporary copy inside :func:`edited_variant`."""
    if _DATA_OVERRIDE:
        return _DATA_OVERRIDE[-1]
    try:
        return Path(_loader().get_data_path())
    except RuntimeError as error:
        raise SynthesiserError(f"espeakng-loader's voice data is missing ({error}); reinstall espeakng-loader") from None


def library_path() -> Path:
    """The eSpeak NG shared library shipped by espeakng-loader."""
    path = Path(_loader().get_library_path())
    if not path.exists():
        raise SynthesiserError(f"espeakng-loader has no eSpeak NG library for this platform ({path.name} missing)")
    return path


def _private_copy() -> str:
    """A copy of the shared library that no other code has loaded, so unloading it really resets its state."""
    if "path" not in _PRIVATE:
        folder = tempfile.mkdtemp(prefix="course-espeak-")
        atexit.register(shutil.rmtree, folder, True)
        source = library_path()
        target = Path(folder) / source.name
        shutil.copy2(source.resolve(), target)
        _PRIVATE["path"] = str(target)
    return _PRIVATE["path"]


def _unload(library) -> None:
    import _ctypes

    if sys.platform.startswith("win"):
        _ctypes.FreeLibrary(library._handle)
    else:
        _ctypes.dlclose(library._handle)


def _seed_libc_rand() -> None:
    """Seed libc's ``rand()``, which eSpeak uses for breath noise (a process-wide generator Python does not use)."""
    if not sys.platform.startswith("win"):
        ctypes.CDLL(None).srand(_RANDOM_SEED)


def _open():
    """Load the private copy and initialise it for synchronous synthesis; returns (library, sample rate)."""
    try:
        library = ctypes.CDLL(_private_copy(), mode=getattr(os, "RTLD_LOCAL", 0))
    except OSError as error:
        raise SynthesiserError(f"the eSpeak NG library could not be loaded: {error}") from None
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    library.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    library.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    rate = library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, os.fsencode(data_path()), 0)
    if rate <= 0:
        _unload(library)
        raise SynthesiserError(f"eSpeak NG did not initialise (code {rate}) with its data folder {data_path()}")
    return library, rate


def synthesise_raw(text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
    """``text`` spoken by ``voice`` at ``rate`` words per minute and base ``pitch``: int16 samples at 22,050 Hz.

    Arguments are passed to eSpeak as given (the public functions of :mod:`course_utils.datasets.speech`
    check them first). The result depends only on the arguments (see the module's note on determinism).
    """
    chunks = []

    def collect(samples, count, events):
        if count > 0:
            chunks.append(np.ctypeslib.as_array(samples, shape=(count,)).copy())
        return 0

    callback = _CALLBACK(collect)
    encoded = text.encode("utf-8")
    with _LOCK:
        library, native = _open()
        try:
            library.espeak_SetSynthCallback(callback)
            code = library.espeak_SetVoiceByName(voice.encode("utf-8"))
            if code != 0:
                raise SynthesiserError(f"eSpeak NG has no voice {voice!r} (code {code})")
            library.espeak_SetParameter(_RATE, int(rate), 0)
            library.espeak_SetParameter(_PITCH, int(pitch), 0)
            library.espeak_ng_SetRandSeed(_RANDOM_SEED)
            _seed_libc_rand()
            code = library.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if code != 0:
                raise SynthesiserError(f"eSpeak NG could not synthesise {text!r} (code {code})")
            library.espeak_Synchronize()
        finally:
            library.espeak_Terminate()
            _unload(library)
    if native != NATIVE_RATE:  # pragma: no cover - every eSpeak NG build produces 22,050 Hz
        raise SynthesiserError(f"eSpeak NG produced {native} Hz, expected {NATIVE_RATE}")
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


@functools.lru_cache(maxsize=None)
def voice_variants() -> tuple:
    """The names of the voice variants in the data folder (``espeak-ng-data/voices/!v``), sorted."""
    folder = data_path() / "voices" / "!v"
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))


def variant_file(variant: str) -> str:
    """The text of a voice variant's file (``espeak-ng-data/voices/!v/<variant>``): its parameter changes."""
    if variant not in voice_variants():
        raise ValueError(f"unknown voice variant {variant!r}; see voice_variants()")
    return (data_path() / "voices" / "!v" / variant).read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def edited_variant(variant: str, new_name: str, **changes):
    """Inside the ``with`` block, a voice variant ``new_name``: ``variant``'s file with each attribute in
    ``changes`` set to a new value (``consonants="100 100"`` replaces the line ``consonants ...``; an attribute
    the file lacks is added). The synthesiser reads a temporary copy of the data folder meanwhile; the shipped
    folder is never changed. Not thread-safe; meant for one experiment in one process."""
    if not new_name.isidentifier() or new_name in voice_variants():
        raise ValueError(f"new_name must be a new variant name (letters, digits, _), got {new_name!r}")
    lines = [line for line in variant_file(variant).splitlines()
             if line.split()[:1] not in ([key] for key in changes)]
    lines += [f"{key} {value}" for key, value in changes.items()]
    folder = Path(tempfile.mkdtemp(prefix="course-espeak-data-"))
    try:
        copy = folder / "espeak-ng-data"
        shutil.copytree(data_path(), copy)
        (copy / "voices" / "!v" / new_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        _DATA_OVERRIDE.append(copy)
        voice_variants.cache_clear()
        yield new_name
    finally:
        if _DATA_OVERRIDE and _DATA_OVERRIDE[-1] == folder / "espeak-ng-data":
            _DATA_OVERRIDE.pop()
        voice_variants.cache_clear()
        shutil.rmtree(folder, ignore_errors=True)


def version() -> str:
    """eSpeak NG's version string, e.g. ``"1.52.0"`` (from the library's ``espeak_Info``)."""
    with _LOCK:
        library, _ = _open()
        try:
            library.espeak_Info.restype = ctypes.c_char_p
            return library.espeak_Info(None).decode()
        finally:
            library.espeak_Terminate()
            _unload(library)


def status() -> tuple:
    """``(True, "eSpeak NG 1.52.0, 22050 Hz")`` when the synthesiser loads and speaks a digit, else
    ``(False, what is wrong and what to do)``."""
    try:
        samples = synthesise_raw("7", "en-us", 175, 50)
        if samples.size < NATIVE_RATE // 10:
            return False, f"eSpeak NG produced only {samples.size} samples for one digit; reinstall espeakng-loader"
        return True, f"eSpeak NG {version()}, {NATIVE_RATE} Hz"
    except SynthesiserError as error:
        return False, str(error)
    except (OSError, AttributeError) as error:  # a broken or foreign library
        return False, f"the eSpeak NG library does not work here ({type(error).__name__}: {error}); " \
                      "reinstall espeakng-loader"
