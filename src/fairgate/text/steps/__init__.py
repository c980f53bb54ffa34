"""The single normalisation steps the forms in ``text.normalize`` are built from.

Every step is a pair of pure functions over one text:

- ``fast(text) -> str``: the transformed text, as cheap as possible (it runs on
  every message);
- ``mapped(text) -> Mapped``: the same text plus, for each output character,
  the span ``[start, end)`` of the *input* characters it came from (runs only
  on a candidate hit).

Invariant (property-tested): ``mapped(t).text == fast(t)`` for every ``t``.
Steps never insert characters out of nothing: every output character comes
from at least one input character.
"""
