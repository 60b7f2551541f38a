"""The studies qgen reproduces; each module registers one :class:`Study` in STUDIES."""

from qgen.studies import s1 as _s1  # noqa: F401  (registers "s1")
from qgen.studies import s2 as _s2  # noqa: F401  (registers "s2")
from qgen.studies import s3 as _s3  # noqa: F401  (registers "s3")
from qgen.studies.base import STUDIES, ClaimPart, ProtocolVariant, Study

__all__ = ["STUDIES", "ClaimPart", "ProtocolVariant", "Study"]
