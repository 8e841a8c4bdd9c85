"""The miniature release: a tiny XTTS-architecture checkpoint, pretrained on espeak-ng speech.

``xtts-harness ablate build-base`` writes it (``release.build_release``); fine-tune trials
start from it exactly as a user's run starts from the XTTS v2 release.
"""
