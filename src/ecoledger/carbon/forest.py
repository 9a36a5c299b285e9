"""Forest carbon sinks: volume-expansion biomass carbon, stock difference, gain–loss, afforestation
project removals (methods notes §3.2; IPCC 2006 GL Vol. 4 ch. 2 and 4; structure of the national
afforestation carbon-sink methodology CCER-14-001-V01).

Species parameters (basic wood density SVD, biomass expansion factor BEF, root:shoot ratio R,
carbon fraction CF) come from the registry ``species.<group>.*`` (all ``memory`` until checked
against the methodology's annex).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ecoledger.carbon.combustion import CO2_PER_C
from ecoledger.carbon.errors import CarbonError
from ecoledger.carbon.factors import Registry


def tree_carbon(volume_m3, wood_density, bef, root_ratio, carbon_fraction):
    """t C in trees (above and below ground): ``V × SVD × BEF × (1 + R) × CF``.

    volume_m3: stem volume (m³); wood_density: t dry matter/m³; bef: aboveground/stem biomass (–);
    root_ratio: root:shoot (–); carbon_fraction: t C/t dry matter.
    """
    return volume_m3 * wood_density * bef * (1.0 + root_ratio) * carbon_fraction


def stock_difference_removal(carbon_t1, carbon_t2, year_1, year_2):
    """t CO₂/yr removed between two inventories: ``(C_t2 − C_t1)/(t2 − t1) × 44/12`` (negative: a source)."""
    if year_2 <= year_1:
        raise CarbonError(
            f"stock difference: second inventory year {year_2} is not after {year_1} → fix: "
            "give the later inventory as the second"
        )
    return (carbon_t2 - carbon_t1) / (year_2 - year_1) * CO2_PER_C


def gain_loss_removal(
    area_ha,
    volume_increment,
    harvest_m3,
    wood_density,
    bef,
    root_ratio,
    carbon_fraction,
    disturbance_loss_t_c=0.0,
):
    """t CO₂/yr: ``(ΔC_G − ΔC_L) × 44/12`` with gain ``A × I_v × SVD × BEF × (1+R) × CF``.

    area_ha: forest area (ha); volume_increment: m³/ha/yr; harvest_m3: harvested stem volume (m³/yr)
    converted with the same parameters; disturbance_loss_t_c: t C/yr lost to fire, pests, fuelwood.
    """
    gain = tree_carbon(area_ha * volume_increment, wood_density, bef, root_ratio, carbon_fraction)
    loss = tree_carbon(harvest_m3, wood_density, bef, root_ratio, carbon_fraction) + disturbance_loss_t_c
    return (gain - loss) * CO2_PER_C


def creditable_removal(project_removal, baseline_removal, leakage, uncertainty_deduction):
    """Creditable t CO₂/yr: ``(ΔC_actual − ΔC_baseline − LK) × (1 − uncertainty deduction)``.

    The deduction (0–1) applies when the monitoring precision misses ±10 % at 90 % confidence;
    the methodology's own discount table must be used (CCER-14-001-V01, to be checked).
    """
    if not 0.0 <= uncertainty_deduction < 1.0:
        raise CarbonError(f"uncertainty deduction {uncertainty_deduction} is outside 0–1 → fix: a fraction")
    return (project_removal - baseline_removal - leakage) * (1.0 - uncertainty_deduction)


def species_parameters(registry: Registry, group: str) -> dict:
    """SVD, BEF, R, CF of a species group, with the factors' citations."""
    ids = {name: f"species.{group}.{name}" for name in ("svd", "bef", "root_ratio", "cf")}
    if ids["svd"] not in registry.factors:
        groups = sorted({f.subject for f in registry.select("basic_wood_density")})
        raise CarbonError(
            f"species group {group!r} has no parameters in {registry.path.name} → fix: one of "
            f"{', '.join(groups)}"
        )
    return {name: registry[i] for name, i in ids.items()}


@dataclass
class Stand:
    """One sub-compartment (小班): species group, area and stem volume per ha at one inventory."""

    parcel: str
    species: str
    area_ha: float
    volume_m3_per_ha: float

    def carbon(self, registry: Registry) -> float:
        p = species_parameters(registry, self.species)
        return tree_carbon(
            self.area_ha * self.volume_m3_per_ha,
            p["svd"].value,
            p["bef"].value,
            p["root_ratio"].value,
            p["cf"].value,
        )


@dataclass
class AfforestationProject:
    """A project view in the structure of CCER-14-001-V01: stands at two monitorings, baseline,
    leakage and an uncertainty deduction. Illustrative unless the inputs come from monitoring."""

    name: str
    county: str
    start: list[Stand]
    end: list[Stand]
    year_start: int
    year_end: int
    baseline_t_co2_per_yr: float = 0.0
    leakage_t_co2_per_yr: float = 0.0
    project_emissions_t_co2_per_yr: float = 0.0
    uncertainty_deduction: float = 0.0
    note: str = ""
    factors_used: list = field(default_factory=list)

    def result(self, registry: Registry) -> dict:
        parcels_start, parcels_end = {s.parcel for s in self.start}, {s.parcel for s in self.end}
        if parcels_start != parcels_end:
            raise CarbonError(
                f"project {self.name}: parcels differ between monitorings "
                f"({sorted(parcels_start ^ parcels_end)}) → fix: measure the same parcels"
            )
        c1 = sum(s.carbon(registry) for s in self.start)
        c2 = sum(s.carbon(registry) for s in self.end)
        removal = stock_difference_removal(c1, c2, self.year_start, self.year_end)
        actual = removal - self.project_emissions_t_co2_per_yr
        credit = creditable_removal(
            actual, self.baseline_t_co2_per_yr, self.leakage_t_co2_per_yr, self.uncertainty_deduction
        )
        used = sorted(
            {f.id for s in self.start + self.end for f in species_parameters(registry, s.species).values()}
        )
        return {
            "project": self.name,
            "county": self.county,
            "years": [self.year_start, self.year_end],
            "tree_carbon_t_c": [c1, c2],
            "removal_t_co2_per_yr": removal,
            "project_emissions_t_co2_per_yr": self.project_emissions_t_co2_per_yr,
            "baseline_t_co2_per_yr": self.baseline_t_co2_per_yr,
            "leakage_t_co2_per_yr": self.leakage_t_co2_per_yr,
            "uncertainty_deduction": self.uncertainty_deduction,
            "creditable_t_co2_per_yr": credit,
            "factors": [registry[i].cite() for i in used],
            "registry_version": registry.version,
            "note": self.note,
        }


def gep_overlap(creditable_t_co2, gep_forest_sequestration_t_co2):
    """The share of a unit's GEP forest carbon sequestration (固碳, ecosystem "forest") that credits cover.

    GEP values the whole forest CO₂ uptake of the unit (NEP route); credited project removals are
    part of that same physical flow, so they are reported as a covered share, never added to it.
    Returns None when the GEP figure is missing or not positive (no share can be stated).
    """
    if gep_forest_sequestration_t_co2 is None or not gep_forest_sequestration_t_co2 > 0:
        return None
    return creditable_t_co2 / gep_forest_sequestration_t_co2


def gep_link(sink: dict, gep_forest: dict | None) -> dict:
    """How a project's credited removals relate to its county's GEP forest carbon sequestration.

    gep_forest: the county's GEP row (``t_co2``, ``year``, …) or None when no account is at hand.
    """
    return {
        "gep_forest_carbon_sequestration": gep_forest,
        "share_of_gep_forest_sequestration": gep_overlap(
            sink["creditable_t_co2_per_yr"], gep_forest and gep_forest["t_co2"]
        ),
        "rule": "credited removals are part of the county's GEP forest carbon sequestration: report the "
        "share, never add the credit value to the GEP value",
    }


def load_project(path) -> AfforestationProject:
    """An ``AfforestationProject`` from its JSON file (``examples/carbon/sink_project.json``)."""
    import json
    from pathlib import Path

    path = Path(path)
    try:
        return project_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, CarbonError) as exc:
        raise CarbonError(f"{path.name}: {exc}") from None


def project_from_dict(data: dict) -> AfforestationProject:
    """An ``AfforestationProject`` from its JSON object, with areas and volumes checked."""
    try:
        data = dict(data)
        stands = {k: [Stand(**s) for s in data.pop(k)] for k in ("start", "end")}
        project = AfforestationProject(**data, **stands)
    except (TypeError, KeyError) as exc:
        raise CarbonError(
            f"not a sink project ({exc}) → fix: follow examples/carbon/sink_project.json "
            "(name, county, year_start, year_end, start and end stands with parcel, species, area_ha, "
            "volume_m3_per_ha)"
        ) from None
    for name in ("year_start", "year_end"):
        if not isinstance(getattr(project, name), int) or isinstance(getattr(project, name), bool):
            raise CarbonError(f"{name}: {getattr(project, name)!r} → fix: a year such as 2021")
    for name in (
        "baseline_t_co2_per_yr",
        "leakage_t_co2_per_yr",
        "project_emissions_t_co2_per_yr",
        "uncertainty_deduction",
    ):
        value = getattr(project, name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise CarbonError(f"{name}: {value!r} → fix: a number")
    for when, stand in [("start", s) for s in project.start] + [("end", s) for s in project.end]:
        for name in ("area_ha", "volume_m3_per_ha"):
            value = getattr(stand, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < math.inf:
                raise CarbonError(f"{when} stand {stand.parcel} · {name}: {value!r} → fix: a number ≥ 0")
    return project


def wetland_removal(area_ha, sequestration_rate_t_c_per_ha):
    """t CO₂/yr removed by a wetland: ``A × rate × 44/12`` (rate: net t C/ha/yr buried or fixed).

    No default rate is shipped: the methods notes give none for Jiangxi's wetland types, so the
    rate must come with its own source (a measurement or a cited study); CH₄ emitted by the
    wetland is not netted here and must be reported beside it.
    """
    return area_ha * sequestration_rate_t_c_per_ha * CO2_PER_C
