from recorder import Recorded, record_and_exit


class TrainerArgs(Recorded):
    pass


class Trainer:
    def __init__(self, args, config, *rest, **kwargs):
        record_and_exit(args, config)
