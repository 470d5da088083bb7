"""Running one function over many nodes with a bounded thread pool.

SSH work is I/O bound, so threads are enough; the bound (``[savanna]
ssh_pool_size``) keeps a 100-node cluster from opening 100 sessions at
once. One item's failure never cancels the others: every item gets an
:class:`Outcome`.
"""

import collections.abc
import concurrent.futures
import dataclasses
import logging
import typing

from heat_savanna.common import config

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Outcome:
    """Result of one item: ``ok`` with ``value``, or not ok with
    ``error`` (the exception raised)."""
    ok: bool
    value: typing.Any = None
    error: typing.Optional[BaseException] = None


def _key(item):
    return getattr(item, 'name', item)


def run_parallel(items, fn, max_workers=None):
    """Call ``fn`` for every item concurrently; ``{key: Outcome}``.

    ``items`` is either a mapping ``{key: arg}`` (``fn(arg)`` is called) or
    an iterable of items (``fn(item)``; the key is ``item.name`` if it has
    one, e.g. a NodeInfo, else the item itself). ``max_workers`` defaults
    to ``[savanna] ssh_pool_size``. Keys come back in input order.
    """
    if isinstance(items, collections.abc.Mapping):
        pairs = list(items.items())
    else:
        pairs = [(_key(i), i) for i in items]
    if not pairs:
        return {}
    size = max_workers or config.CONF.savanna.ssh_pool_size
    size = max(1, min(size, len(pairs)))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=size, thread_name_prefix='savanna-ssh') as pool:
        futures = {pool.submit(fn, arg): key for key, arg in pairs}
        for fut in concurrent.futures.as_completed(futures):
            key = futures[fut]
            try:
                results[key] = Outcome(True, fut.result())
            except Exception as exc:  # every failure is reported per item
                LOG.debug('%s failed: %s', key, exc)
                results[key] = Outcome(False, error=exc)
    return {key: results[key] for key, _ in pairs}
