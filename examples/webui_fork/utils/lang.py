# Language canonicalisation, as new-language forks write it. Test data for xtts-harness.
CODES = {"amh": "am", "amharic": "am", "en-us": "en"}


def canonical_language(code):
    code = code.strip().lower()
    return CODES.get(code, code)
