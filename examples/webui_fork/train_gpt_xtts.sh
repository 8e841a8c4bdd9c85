#!/usr/bin/env bash
# The launcher a webui-style fork ships. xtts-harness reads its python line (with the
# variables below substituted) as the command line that really runs.
LANG_CODE=am
EPOCHS=100

python headlessXttsTrain.py \
    --lang "$LANG_CODE" \
    --epochs $EPOCHS \
    --batch_size 4 \
    --grad_acumm 32
