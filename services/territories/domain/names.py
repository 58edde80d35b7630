"""Name matching as API Géo does it: case- and accent-insensitive, hyphens as spaces."""

import unicodedata


def searchable(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.lower().replace("-", " ").replace("'", " ").split())
