"""Short, seeded ablations on the real Coqui GPT trainer, run and recorded by Optuna.

Only this package imports torch, TTS and trainer, and only inside the functions that
train (``runner``, ``build``, ``checkpoint``, ``assets``, ``ema``, ``warmup``). ``spec``,
``stats``, ``summary`` and ``study`` import none of them at module import time.
"""

from harness.ablate.threads import prefer_passive_waiting

# Every path to torch in the harness goes through this package: set how OpenMP threads
# wait before torch loads its runtime (harness/ablate/threads.py says why).
prefer_passive_waiting()
