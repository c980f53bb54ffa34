"""The change feed: how every worker learns of list changes at once.

Every list change already has a monotonic ``seq`` in the database's change log
(``list_changes``); that log is the truth. The feed only says "look now":

* ``PollingFeed`` asks the database for the newest ``seq`` every
  ``feed_poll_interval_s`` (one cheap query) — the embedded default;
* ``RedisFeed`` also subscribes to a Redis channel on which the worker that
  made a change publishes its ``seq`` right after commit, so the others apply it
  within milliseconds. It still polls (slowly while Redis is up, at the fast
  interval while it is down), so a message lost with a Redis outage is caught
  up from the database, and no change is ever lost.
"""

from fairgate.feed.base import ChangeFeed, FeedStatus
from fairgate.feed.polling import PollingFeed
from fairgate.feed.redis_feed import RedisFeed

__all__ = ["ChangeFeed", "FeedStatus", "PollingFeed", "RedisFeed"]
