"""The service fixtures (an app per test with a key per role) for hardening tests."""

from tests.service.conftest import api, settings, spam_list

__all__ = ["api", "settings", "spam_list"]
