from torch.optim import lr_scheduler, swa_utils  # noqa: F401
