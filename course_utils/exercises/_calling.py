"""Calling a learner's function safely: by the stub's parameter names (or by position when they were renamed),
on a copy of the inputs, and within a time limit.

The time limit uses a timer thread that calls ``_thread.interrupt_main()``: signals (``SIGALRM``) exist only on
Unix and a thread cannot stop a Python loop by itself, but an interrupt raised in the main thread stops any
Python code, in a Jupyter kernel as in a script, on every platform. It only works when checking runs in the
main thread; elsewhere the case runs without a limit.
"""
from __future__ import annotations

import _thread
import inspect
import signal
import threading
import time

import numpy as np


class CaseTimeout(Exception):
    """A checked case ran longer than its time limit (the learner's code was interrupted)."""

    def __init__(self, seconds: float):
        super().__init__(f"did not finish within {seconds:g} s")
        self.seconds = seconds


def copy_args(kwargs: dict) -> dict:
    """A deep enough copy of a case's arguments that the learner cannot change the cases."""
    def copy(value):
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, (list, tuple)):
            return type(value)(copy(v) for v in value)
        return value

    return {k: copy(v) for k, v in kwargs.items()}


def calling_convention(fn, names: list) -> tuple:
    """How to call ``fn`` with arguments named ``names``: ("keyword" | "positional" | None, a note for messages).

    Keywords when ``fn`` accepts the stub's names; by position, in the stub's order, when it takes the same number
    of arguments under other names; None (with the reason) when neither fits.
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or an odd callable: just try keywords
        return "keyword", ""
    stub = f"({', '.join(names)})"
    try:
        signature.bind(**dict.fromkeys(names))
        return "keyword", ""
    except TypeError:
        pass
    try:
        signature.bind(*names)
    except TypeError:
        return None, (f"keep the stub's parameter names {stub}: your function takes {signature}, which cannot be "
                      "called with the checker's arguments")
    return "positional", (f"your parameters are named {signature}, not {stub}; they were given by position in the "
                          f"stub's order. Keep the stub's parameter names {stub} to be sure each gets the right value.")


def _sigint_is_python_handled() -> bool:
    handler = signal.getsignal(signal.SIGINT)
    return callable(handler)


def call_with_limit(fn, args: tuple, kwargs: dict, seconds: float | None):
    """``fn(*args, **kwargs)``, interrupted after ``seconds`` (None: no limit) with :class:`CaseTimeout`.

    A ``KeyboardInterrupt`` that the timer did not cause (the learner pressed stop) propagates unchanged.
    """
    if seconds is None or threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    state = {"active": True, "fired": False}
    lock = threading.Lock()

    def fire():
        with lock:
            if state["active"]:
                state["fired"] = True
                _thread.interrupt_main()

    previous = signal.getsignal(signal.SIGINT)
    if not _sigint_is_python_handled():  # SIG_IGN / SIG_DFL: interrupt_main would do nothing
        signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        try:
            timer.start()
            try:
                result = fn(*args, **kwargs)
            finally:
                with lock:
                    state["active"] = False
                timer.cancel()
            if state["fired"]:  # fired just as fn returned: the interrupt is pending; let it arrive here
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    time.sleep(0.005)
            return result
        except KeyboardInterrupt:
            if state["fired"]:
                raise CaseTimeout(seconds) from None
            raise
    finally:
        if signal.getsignal(signal.SIGINT) is not previous:
            signal.signal(signal.SIGINT, previous)
