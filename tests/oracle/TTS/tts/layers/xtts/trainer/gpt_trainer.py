from recorder import Recorded


class GPTArgs(Recorded):
    pass


class GPTTrainerConfig(Recorded):
    pass


class XttsAudioConfig(Recorded):
    pass


class GPTTrainer(Recorded):
    pass
