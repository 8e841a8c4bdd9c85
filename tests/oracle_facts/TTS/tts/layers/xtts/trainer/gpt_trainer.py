"""Stub GPTTrainer: the real module tree's names (xtts.gpt.gpt.h, ...), no weights."""

from torch.nn import Module, ModuleList


class _Config:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.__dict__.update(kwargs)


class GPTArgs(_Config):
    pass


class XttsAudioConfig(_Config):
    pass


class GPTTrainerConfig(_Config):
    pass


def _gpt_trainer_tree(layers=2):
    gpt = Module(
        gpt=Module(h=ModuleList([Module(attn=Module(), mlp=Module()) for _ in range(layers)])),
        text_embedding=Module(),
        mel_embedding=Module(),
        text_head=Module(),
        mel_head=Module(),
        conditioning_encoder=Module(),
    )
    return Module(xtts=Module(gpt=gpt, hifigan_decoder=Module()), dvae=Module())


class GPTTrainer(Module):
    @classmethod
    def init_from_config(cls, config):
        model = cls.__new__(cls)
        tree = _gpt_trainer_tree()
        Module.__init__(model, **dict(tree.named_children()))
        model.config = config
        return model

    def train_step(self, batch, criterion=None):
        return {}, {}
