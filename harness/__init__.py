"""xtts-harness: audit XTTS v2 GPT fine-tuning configs before the GPU days start."""

__version__ = "0.1.0"
