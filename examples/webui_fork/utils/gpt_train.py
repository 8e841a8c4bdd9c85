# The training function the headless CLI calls (BOM + CRLF, as in the Amharic fork).
# Example for xtts-harness: read with ast, never imported or run by the harness.
import os

from trainer import Trainer, TrainerArgs
from TTS.config.shared_configs import BaseDatasetConfig
from TTS.tts.datasets import load_tts_samples
from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainer, GPTTrainerConfig, XttsAudioConfig

from utils.settings import XTTSSmallDatasetConfig

SAMPLE_RATE = 22050
SMALL_DATASET = 3000


def seconds_to_samples(seconds):
    return int(seconds * SAMPLE_RATE)


def train_gpt(
    language,
    num_epochs,
    batch_size,
    grad_acumm,
    max_audio_length=11,
    language_adaptation_mode=False,
    optimizer="AdamW",
    output_path="finetune_models",
    train_csv="metadata_train.csv",
    eval_csv="metadata_eval.csv",
):
    GRAD_ACUMM_STEPS = grad_acumm
    if language_adaptation_mode and GRAD_ACUMM_STEPS < 4:
        GRAD_ACUMM_STEPS = 4  # the input is rewritten before it reaches the trainer
    max_wav_length = seconds_to_samples(max_audio_length)
    out_path = os.path.join(output_path, "run", "training")
    dataset = BaseDatasetConfig(
        formatter="coqui",
        dataset_name="ft_dataset",
        path="dataset",
        meta_file_train=train_csv,
        meta_file_val=eval_csv,
        language=language,
    )
    train_samples, eval_samples = load_tts_samples([dataset], eval_split=True)
    if len(train_samples) < SMALL_DATASET:
        optimizer_params = XTTSSmallDatasetConfig.get_optimizer_config()
        lr = XTTSSmallDatasetConfig.LR
        epochs = max(num_epochs, XTTSSmallDatasetConfig.EPOCH_FLOOR)
    else:
        optimizer_params = {"betas": [0.9, 0.96], "eps": 1e-08, "weight_decay": 0.01}
        lr = 5e-06
        epochs = num_epochs
    model_args = GPTArgs(
        max_conditioning_length=132300,
        min_conditioning_length=66150,
        max_wav_length=max_wav_length,
        max_text_length=200,
        gpt_num_audio_tokens=1026,
        gpt_start_audio_token=1024,
        gpt_stop_audio_token=1025,
    )
    config = GPTTrainerConfig(
        epochs=epochs,
        output_path=out_path,
        model_args=model_args,
        audio=XttsAudioConfig(sample_rate=22050, dvae_sample_rate=22050, output_sample_rate=24000),
        batch_size=batch_size,
        eval_batch_size=batch_size,
        optimizer=optimizer,
        optimizer_wd_only_on_weights=True,
        optimizer_params=optimizer_params,
        lr=lr,
        lr_scheduler="MultiStepLR",
        lr_scheduler_params={"milestones": [50000 * 18, 150000 * 18], "gamma": 0.5},
        datasets=[dataset],
        run_description="fine-tuning " + language,
    )
    model = GPTTrainer.init_from_config(config)
    trainer = Trainer(
        TrainerArgs(restore_path=None, grad_accum_steps=GRAD_ACUMM_STEPS),
        config,
        output_path=out_path,
        model=model,
        train_samples=train_samples,
        eval_samples=eval_samples,
    )
    trainer.fit()
