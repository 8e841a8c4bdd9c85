from recorder import Recorded


class BaseDatasetConfig(Recorded):
    pass
