from recorder import samples


def load_tts_samples(datasets, eval_split=True, **kwargs):
    return samples("train"), samples("eval")
