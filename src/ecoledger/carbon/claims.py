"""One claims table across the carbon modules, so no tonne is counted twice.

A claim says who (``holder``: a unit code, project or account) claims how many tonnes of CO₂
(in total over its years) of which ``asset`` (the physical source or sink: ``territory:360000``,
``parcel:…``, ``inclusion:<account>``, ``product:<label id>``) for which years, under which scope
(``inventory``, ``sink``, ``inclusion``, ``label``). Two claims on the same asset whose years
overlap are refused, whoever makes them (methods notes §10.4). The territorial inventory claims
``territory:<code>``; sink credits claim their parcels, inclusion reductions their account and a
label its product, so these never collide with the inventory — the inventory does not add them
(they are inside the territory's totals), and a credit sold out of the province is reported so
the provincial sink account can deduct it (``ecoledger.carbon.forest.gep_overlap`` does the same
for GEP's carbon sequestration).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ecoledger.carbon.errors import ClaimConflict

SCOPES = ("inventory", "sink", "inclusion", "label")


@dataclass(frozen=True)
class Claim:
    scope: str
    holder: str
    asset: str
    year_from: int
    year_to: int
    tonnes: float
    source_module: str
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def overlaps(a: Claim, b: Claim) -> bool:
    return a.asset == b.asset and a.year_from <= b.year_to and b.year_from <= a.year_to


def check_claim(existing: list[Claim], new: Claim) -> None:
    """Refuse a malformed claim, or one on tonnes an existing claim already holds."""
    if new.scope not in SCOPES:
        raise ClaimConflict(f"claim scope {new.scope!r} → fix: one of {', '.join(SCOPES)}")
    if new.year_to < new.year_from:
        raise ClaimConflict(
            f"claim on {new.asset}: year_to {new.year_to} before year_from {new.year_from} → fix: "
            "give the period in order"
        )
    if not new.tonnes >= 0:
        raise ClaimConflict(f"claim on {new.asset}: tonnes {new.tonnes!r} → fix: a non-negative number")
    for old in existing:
        if overlaps(old, new):
            raise ClaimConflict(
                f"{new.asset} {new.year_from}–{new.year_to} is already claimed by {old.holder} ({old.scope}, "
                f"{old.year_from}–{old.year_to}, {old.tonnes:g} t) → fix: these tonnes can be claimed once; "
                "retire or transfer the existing claim first"
            )
