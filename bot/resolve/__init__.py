"""Resolve what a user typed to knowledge entries.

- `names`: the name table (exact, derived and target keys of every entry)
- `typos`: typo tolerance (deletion index, edit distance, completions, suggestions)
- `context`: other words of a question read against a named drug's side effects
- `match`: what resolving produces (`Hit`, `Match`)
- `findings`: a clinical question's findings + drug context → the side effects they point to
  (an entry whose finding has the other direction is never a candidate)
- `index`: the `Index` that composes them
"""

from bot.resolve.index import Index
from bot.resolve.match import Hit, Match

__all__ = ["Hit", "Index", "Match"]
