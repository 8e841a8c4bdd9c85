# A settings class with class attributes and classmethods. Test data for xtts-harness.
class XTTSSmallDatasetConfig:
    LR = 2e-06
    EPOCH_FLOOR = 20

    @classmethod
    def get_optimizer_config(cls):
        return {"betas": [0.9, 0.96], "eps": 1e-08, "weight_decay": 0.05}
