"""Library output during trials: the Trainer's lines go to the trial's log file, and the
chatter of transformers, Optuna and torchaudio stays out of the terminal unless ``-v``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def released_trainer_handlers() -> Iterator[None]:
    """The Trainer's lines go to the trial's trainer_0_log.txt only, and its FileHandler is
    removed and closed afterwards (the Trainer adds one per instance and never removes it).

    The "trainer" logger's own console handler is detached for the trial, as the Trainer
    itself does for ranks > 0, so the progress bar and ``--format json`` stay readable.
    """
    logger = logging.getLogger("trainer")
    before, level, propagate = list(logger.handlers), logger.level, logger.propagate
    consoles = [h for h in before if type(h) is logging.StreamHandler]
    for handler in consoles:
        logger.removeHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        for added in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(added)
            added.close()
        for handler in consoles:
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


_VERBOSE = False


def set_verbose(verbose: bool) -> None:
    """``-v``: let library warnings and logs through (workers inherit it by environment)."""
    import os

    global _VERBOSE
    _VERBOSE = verbose
    if verbose:
        os.environ["XTTS_HARNESS_VERBOSE"] = "1"


def quiet_libraries() -> None:
    """Silence library chatter that says nothing about the trial (stderr stays readable)."""
    import os
    import warnings

    if _VERBOSE or os.environ.get("XTTS_HARNESS_VERBOSE") == "1":
        return
    # transformers sets its own logger's level when it is first imported, from this variable.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    warnings.filterwarnings("ignore", category=UserWarning, module="torchaudio")

    warnings.filterwarnings("ignore", message=".*is experimental.*")
    warnings.filterwarnings("ignore", message=".*is an experimental feature.*")
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used")
    warnings.filterwarnings("ignore", message="In 2.9, this function's implementation")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    import optuna  # its import sets its logger to INFO: set the level after it

    optuna.logging.set_verbosity(optuna.logging.WARNING)
