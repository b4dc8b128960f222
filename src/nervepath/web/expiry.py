"""The purge of expired self-checks while the server runs: at start-up, then every hour.

Reads check expiry themselves (an expired self-check is "not found" at once), so the purge
only has to make sure expired records do not stay on disk; ``nervepath purge`` does the same
from the command line (for a cron job, or a server that is not running).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from nervepath.errors import StorageError
from nervepath.storage import Store

__all__ = ["PURGE_EVERY_SECONDS", "purge_periodically"]

log = logging.getLogger("nervepath.web")

PURGE_EVERY_SECONDS: Final = 3600


async def purge_periodically(store: Store, *, every: float = PURGE_EVERY_SECONDS) -> None:
    """Purge now and then every ``every`` seconds until cancelled; a failure is logged and
    tried again next time, never fatal (a database briefly away must not stop the server)."""
    while True:
        try:
            purged = await asyncio.to_thread(store.purge_expired)
        except StorageError as exc:
            log.warning("purging expired self-checks failed: %s", exc)
        else:
            if purged:
                log.info("purged %d expired self-check%s", purged, "" if purged == 1 else "s")
        await asyncio.sleep(every)
