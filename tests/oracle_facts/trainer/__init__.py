"""Stub trainer: Trainer records what it receives and runs the epoch loop's shape."""

from record import STATE, write
from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer


class TrainerArgs:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.__dict__.update(kwargs)


class Trainer:
    def __init__(self, args, config, output_path=None, model=None, **kwargs):
        self.args, self.config, self.model = args, config, model

    def train_step(self, batch=None, *args, **kwargs):
        # forward, backward, (the trainer's own clipping), optimizer.step(), zero_grad()
        STATE["phase"] = "after_backward"
        STATE["phase"] = "after_step"
        return {}, {}

    def fit(self):
        config = self.config.kwargs
        epochs = config.get("epochs", 1000)
        start_with_eval = self.args.kwargs.get("start_with_eval", False)
        trained = 0
        for _ in range(epochs):  # Trainer._fit
            if not start_with_eval:
                self.model.eval()  # GPTTrainer.on_train_epoch_start
                self.model.xtts.gpt.train()
                self.train_step()
                trained += 1
            start_with_eval = False
        frozen = [n for n, p in self.model.named_parameters() if not p.requires_grad]
        language = (config.get("datasets") or [None])[0]
        language = getattr(language, "language", None)
        try:
            VoiceBpeTokenizer().preprocess_text("hello", language or "en")
            accepts = True
        except NotImplementedError:
            accepts = False
        write(
            {
                "config": {k: v for k, v in config.items() if not hasattr(v, "kwargs")},
                "trainer_args": self.args.kwargs,
                "frozen": frozen,
                "tokenizer_accepts_language": accepts,
                "language": language,
                "trained_epochs": trained,
            }
        )
