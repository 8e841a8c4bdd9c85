"""The finding codes of check-run (R1xx): a run folder against the harness's prediction.

Documented like the config rules (ruff style: What it does / Why is this bad? / Example /
Use instead / Evidence), so ``xtts-harness explain R101`` and SARIF describe them.
"""

from __future__ import annotations

from harness.findings import Finding, FindingCode, Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
FAMILY = "run"


def _run_code(code: str, name: str, severity: Severity, summary: str, doc: str) -> FindingCode:
    """A check-run code: a ``FindingCode`` of the run family."""
    return FindingCode(code, name, severity, FAMILY, summary, doc)


def _doc(does: str, why: str, example: str, instead: str, evidence: str) -> str:
    return (
        f"## What it does\n\n{does}\n\n## Why is this bad?\n\n{why}\n\n"
        f"## Example\n\n{example}\n\n## Use instead\n\n{instead}\n\n## Evidence\n\n{evidence}"
    )


_TRAINER = (
    "coqui-tts-trainer `Trainer.train_step` logs `TrainIterStats/current_lr` before the "
    "optimizer step; `optimize()` steps a per-step scheduler after each optimizer step and "
    "`train_epoch()` a per-epoch one after the epoch (docs/xtts-facts.md)."
)

CODES: dict[str, FindingCode] = {
    c.code: c
    for c in (
        _run_code(
            "R101",
            "lr-differs-from-prediction",
            ERROR,
            "the logged learning rate differs from the predicted schedule",
            _doc(
                "Compares `TrainIterStats/current_lr` at every logged batch with the LR the "
                "harness predicts for the run's own config.json and trainer version, and "
                "reports the first batch where they differ (logged and predicted value).",
                "The prediction is what lint, schedule and the report told you the run "
                "would do. When the run does something else, either the trainer is not the "
                "version assumed (`--library`), the run was started with other TrainerArgs "
                "(grad_accum_steps), or the training script changed the scheduler.",
                "A run trained with coqui-tts-trainer 0.4.0, checked as if 0.1.4 ran it: "
                "`xtts-harness check-run RUN --library 'coqui-tts 0.24.2'` on a per-epoch "
                "MultiStepLR run (0.4.0 never steps it, 0.1.4 does).",
                "Check the run with the library it really ran "
                "(`--library 'coqui-tts 0.28.0'`) and the TrainerArgs it was started with "
                "(`--set grad_accum_steps=N`).",
                _TRAINER,
            ),
        ),
        _run_code(
            "R102",
            "lr-never-changed",
            WARNING,
            "the LR never changed although the config meant to change it",
            _doc(
                "Flags a run whose logged LR stayed at its first value over every logged "
                "batch, while the config's scheduler, as a trainer that steps it would run "
                "it, changes the LR within those batches.",
                "The decay the config describes never happened: the whole run trained at "
                "the initial LR. The usual cause is coqui-tts-trainer 0.4.0 (coqui-tts "
                "0.28), which never steps a per-epoch scheduler of a single-optimizer model "
                "such as XTTS.",
                "`scheduler_after_epoch: true` with `MultiStepLR` milestones `[1, 2]`, "
                "trained with coqui-tts-trainer 0.4.0.",
                "`scheduler_after_epoch: false` with milestones counted in optimizer steps "
                "(`xtts-harness fix CONFIG` computes them), or a trainer that steps "
                "per-epoch schedulers.",
                "coqui-tts-trainer 0.4.0 `Trainer.train_epoch` (commit 6c603fe) steps "
                "scheduler `idx` only when `idx in _stepped_optimizers`, which holds None "
                "for one optimizer (docs/xtts-facts.md).",
            ),
        ),
        _run_code(
            "R103",
            "lr-collapsed-early",
            WARNING,
            "the LR collapsed early in the run and the loss flattened after it",
            _doc(
                "Flags a run whose logged LR fell below a tenth of its first value within "
                "the first 10% of the planned run, after which the train loss improved by "
                "less than 2%.",
                "Training after the collapse moves the weights too little to matter: the "
                "rest of the GPU time is spent at an LR that does nothing. It is the "
                "milestones-in-the-wrong-unit hazard seen in a real run.",
                "`scheduler_after_epoch: false` with milestones `[50, 150]` (meant as "
                "epochs) in a run of 100,000 optimizer steps.",
                "Milestones sized to the planned run in the unit the trainer counts "
                "(`xtts-harness fix CONFIG`).",
                _TRAINER,
            ),
        ),
        _run_code(
            "R104",
            "loss-not-finite",
            ERROR,
            "a logged loss is NaN or infinite",
            _doc(
                "Reports the first logged batch (or evaluation) whose loss is NaN or "
                "infinite, and how many are.",
                "Once a NaN reaches the weights every later step is NaN too; checkpoints "
                "written after it are useless.",
                "A run at `lr: 1.0`, or fp16 without a grad scaler.",
                "Lower the LR, enable `grad_clip`, or train in fp32/bf16; restart from the "
                "last checkpoint before the first non-finite step.",
                "coqui-tts-trainer logs `TrainIterStats/loss` every `plot_step` batches and "
                "`EvalStats/avg_loss` after each evaluation.",
            ),
        ),
        _run_code(
            "R105",
            "loss-diverged",
            ERROR,
            "the train loss rose far above its best value",
            _doc(
                "Flags a run whose train loss over the last tenth of its logged batches is "
                "more than twice the lowest loss of any tenth before it.",
                "A diverging run wastes the rest of its time and its later checkpoints are "
                "worse than the earlier ones.",
                "An LR raised tenfold for a fine-tune (`lr: 5e-05` instead of `5e-06`).",
                "Lower the LR or add warmup; keep the checkpoint from before the rise.",
                "coqui-tts-trainer logs `TrainIterStats/loss` every `plot_step` batches.",
            ),
        ),
        _run_code(
            "R106",
            "eval-set-empty",
            ERROR,
            "no eval sample survived, so the run has no eval loss",
            _doc(
                "Reports a run whose log says `Total eval samples after filtering: 0`, or "
                "that finished an epoch with `run_eval` on but logged no `EvalStats`.",
                "Without eval losses the best-model selection and every comparison of runs "
                "are meaningless.",
                "Eval clips longer than `max_wav_length`, or texts in a language the "
                "tokenizer rejects.",
                "Run `xtts-harness audit` on the dataset and fix the drop reasons it lists.",
                "`XTTSDataset.__init__` filters eval samples up front and logs the count "
                "(TTS/tts/layers/xtts/trainer/dataset.py).",
            ),
        ),
        _run_code(
            "R107",
            "run-wrote-no-checkpoint",
            WARNING,
            "the run has trained but written no checkpoint",
            _doc(
                "Flags a run folder with trained batches but no `checkpoint_*.pth` or "
                "`best_model*.pth`, saying which setting kept them away (`save_step` beyond "
                "the batches done, `save_best_after`, `save_checkpoints: false`).",
                "A crash or an interrupted run then loses everything it trained.",
                "`save_step: 10000` in a run of 4,000 batches, `save_best_after: 10000`.",
                "`save_step` well within the run (and a multiple of grad_accum_steps).",
                "coqui-tts-trainer `train_step` saves when `total_steps_done % save_step == "
                "0`; `save_best_model` only after `save_best_after` batches.",
            ),
        ),
        _run_code(
            "R108",
            "prediction-undecided",
            INFO,
            "the harness cannot predict the run's LR",
            _doc(
                "Says why the logged LR could not be compared: the batches per epoch are "
                "not in the logs, the scheduler cannot be modelled, or the LR is not logged.",
                "Without a prediction the run is only checked for the other hazards.",
                "A run folder without `trainer_0_log.txt` that has not finished an epoch.",
                "Give what is missing (`--set dataset_size=N`), or wait for the first epoch.",
                _TRAINER,
            ),
        ),
    )
}


def make(code: str, message: str, *, key: str | None = None, file: str | None = None,
         fix: str | None = None, plan: str | None = None,
         severity: Severity | None = None) -> Finding:  # fmt: skip
    return CODES[code].finding(message, severity=severity, key=key, file=file, fix=fix, plan=plan)
