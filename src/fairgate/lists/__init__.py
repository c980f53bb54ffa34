"""Managing hash and term lists: creation, entries, import and export."""
