STOCK = [
    "ar",
    "cs",
    "de",
    "en",
    "es",
    "fr",
    "hi",
    "hu",
    "it",
    "nl",
    "pl",
    "pt",
    "ru",
    "tr",
    "zh",
    "ko",
    "ja",
]


class VoiceBpeTokenizer:
    def preprocess_text(self, txt, lang):
        if lang.split("-")[0] not in STOCK:  # as coqui-tts raises for any other language
            raise NotImplementedError(f"Language '{lang}' is not supported.")
        return txt
