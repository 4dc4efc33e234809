"""Records -> derived rows (names, identifiers, addresses, events, ...): the normalize stage applied."""

from vigil.derive.records import derive
from vigil.derive.rows import Derived

__all__ = ["Derived", "derive"]
