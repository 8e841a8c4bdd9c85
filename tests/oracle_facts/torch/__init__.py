"""Stub torch for the oracle: only what the fixture repositories call."""

from torch import nn, optim  # noqa: F401
