"""Where the shipped knowledge is: the checkout's knowledge/ folder, or the installed copy.

In a checkout (and an editable install) the knowledge is the repository's own `knowledge/`
folder, which clinicians edit. A built wheel ships the same files as package data in the
`immuno_knowledge` package, so an installed `immuno validate` or `immuno web` works outside any
checkout (the container image relies on this).
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def shipped_knowledge() -> Path:
    """The folder holding the knowledge YAML files and schema.json."""
    checkout = CHECKOUT / "knowledge"
    if (checkout / "schema.json").is_file():
        return checkout
    from importlib.util import find_spec

    spec = find_spec("immuno_knowledge")  # a data-only (namespace) package: no __init__.py
    if spec is None or not spec.submodule_search_locations:
        return checkout  # neither: a later "does not exist" says where it looked
    return Path(next(iter(spec.submodule_search_locations)))


def default_cache_dir() -> Path:
    """.immuno-cache beside the code in a checkout; the user's cache folder when installed
    (site-packages is usually not writable)."""
    if (CHECKOUT / "knowledge" / "schema.json").is_file():
        return CHECKOUT / ".immuno-cache"
    return Path.home() / ".cache" / "immuno"


KNOWLEDGE = shipped_knowledge()
SCHEMA_PATH = KNOWLEDGE / "schema.json"
