from record import STATE


def clip_grad_norm_(parameters, max_norm, *args, **kwargs):
    # Clipping acts only between backward and optimizer.step().
    STATE["clip_calls"].append(STATE["phase"])
    return 0.0


clip_grad_value_ = clip_grad_norm_
