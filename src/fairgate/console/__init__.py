"""The reviewers' console: server-rendered pages at ``/console`` (see docs/console.md)."""
