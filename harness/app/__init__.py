"""The application layer: one function per use case, each returning a typed result.

Commands parse arguments, make one call here and hand the result to a renderer in
``harness.report``; a notebook or another tool calls the same functions (they are also
importable from ``harness`` itself). Each module holds the use cases of one concept:

- ``configs``: ``lint``, ``diff_configs``, ``schedule_configs`` (and the lint pipeline)
- ``datasets``: ``audit_dataset``, ``vocab_check``
- ``studies``: ``run_ablation``, ``dry_run``, ``build_base``, ``study_results``
- ``reports``: ``build_report`` (everything the HTML report shows)
- ``runs``: ``check_run`` (a run folder against the prediction)
- ``fixes``: ``fix_config``
- ``catalogue``: ``explain``, ``list_rules``, ``list_baselines``

Nothing heavy is imported at module level: the lint path stays free of torch, TTS, trainer
and optuna, which only the study use cases reach, lazily.
"""
