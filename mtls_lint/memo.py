"""``cached_property`` without the lock Python 3.11 takes on every first read.

Before Python 3.12, :class:`functools.cached_property` acquires an ``RLock`` each time a value
is computed -- about 0.8 microseconds, paid by every fact of every certificate: a fifth of a
second on a 10,000-certificate bundle. Python 3.12 dropped the lock; there, and for type
checkers, this *is* :class:`functools.cached_property`. Values are computed on one thread
only (the trust graph's worker threads read facts computed beforehand).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

__all__ = ["cached_property"]

T = TypeVar("T")

if TYPE_CHECKING or sys.version_info >= (3, 12):
    from functools import cached_property
else:

    class cached_property(Generic[T]):
        """A non-data descriptor: the first read stores the value in the instance's
        ``__dict__``, where later reads find it without calling this."""

        def __init__(self, function: Callable[[Any], T]) -> None:
            self.function = function
            self.name = function.__name__
            self.__doc__ = function.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            value = instance.__dict__[self.name] = self.function(instance)
            return value
