"""Carbon inclusion (碳普惠): reductions of citizens' and small firms' low-carbon actions.

``ER = AD × (EF_baseline − EF_project)`` (methods notes §4.2); ``points = ER × points rate``.
Each action's factors are named in ``ecoledger/data/carbon/inclusion_methods.csv`` as products of
registry ids (e.g. ``inclusion.ev_baseline_litres inclusion.petrol_per_litre`` = L/km × kg CO₂/L).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache

from ecoledger.carbon.errors import LedgerRefused
from ecoledger.carbon.factors import Registry, content_hash, data_path


def reduction(activity, baseline_factor, project_factor=0.0):
    """kg CO₂ avoided: ``AD × (EF_baseline − EF_project)``, never negative (no reward for a worse choice)."""
    return max(0.0, activity * (baseline_factor - project_factor))


def points(reduction_kg, points_per_kg):
    """Points earned, rounded down to whole points."""
    return math.floor(reduction_kg * points_per_kg + 1e-9)


@dataclass(frozen=True)
class Method:
    action: str
    name_zh: str
    activity_unit: str
    baseline_factors: tuple[str, ...]
    project_factors: tuple[str, ...]
    daily_cap: float | None
    evidence: str
    methodology: str

    def per_unit(self, registry: Registry) -> tuple[float, float, list[dict]]:
        """(baseline, project) kg CO₂ per activity unit and the factors used."""
        if not self.baseline_factors:
            raise LedgerRefused(
                f"inclusion_methods.csv · {self.action}: no cited reduction factor → fix: "
                "adopt a methodology and add its factors to the registry first"
            )
        used = [registry[i] for i in self.baseline_factors + self.project_factors]
        base = math.prod(registry.value(i) for i in self.baseline_factors)
        project = math.prod(registry.value(i) for i in self.project_factors) if self.project_factors else 0.0
        return base, project, [f.cite() for f in used]


@cache
def methods() -> dict[str, Method]:
    path = data_path("inclusion_methods.csv")
    with open(path, encoding="utf-8") as handle:
        return {
            r["action"]: Method(
                action=r["action"],
                name_zh=r["name_zh"],
                activity_unit=r["activity_unit"],
                baseline_factors=tuple(r["baseline_factors"].split()),
                project_factors=tuple(r["project_factors"].split()),
                daily_cap=float(r["daily_cap"]) if r["daily_cap"] else None,
                evidence=r["evidence"],
                methodology=r["methodology"],
            )
            for r in csv.DictReader(handle)
        }


def methods_version() -> str:
    return content_hash(data_path("inclusion_methods.csv"))


def method(action: str) -> Method:
    found = methods().get(action)
    if found is None:
        raise LedgerRefused(
            f"action {action!r} is not a recorded low-carbon action → fix: one of {', '.join(methods())}"
        )
    return found


def action_reduction(action: str, activity: float, registry: Registry) -> dict:
    """The reduction of one action, with the method, factors and versions that produced it."""
    if not activity > 0 or not math.isfinite(activity):
        raise LedgerRefused(
            f"activity {activity!r} for {action} → fix: a positive amount in {method(action).activity_unit}"
        )
    m = method(action)
    base, project, used = m.per_unit(registry)
    kg = reduction(activity, base, project)
    return {
        "action": action,
        "activity": activity,
        "activity_unit": m.activity_unit,
        "reduction_kg": kg,
        "points": points(kg, registry.value("policy.points_per_kg")),
        "factors": used,
        "methodology": m.methodology,
        "registry_version": registry.version,
        "methods_version": methods_version(),
    }
