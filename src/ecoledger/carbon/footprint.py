"""Product carbon footprint (GB/T 24067-2024 / ISO 14067) computed with Brightway.

A product system file (JSON; ``examples/carbon/product_system.json``) lists processes, their
technosphere inputs (other processes, ``input``), background inputs taken from the factor registry
(grid electricity ``factor``, fuel burnt ``fuel``) or from a licensed database the user imported
(``activity``: [database, code]; ``import_ecospold2``) and direct emissions (``flow``), with an
allocation choice for multi-output processes (mass or economic, ISO 14044 §4.3.4). It becomes a
Brightway database; ``bw2calc.LCA`` solves ``A·s = f``, ``g = B·s`` and scores ``h = C·g`` with
three methods — fossil, biogenic and land use — split by flow from the GWP100 method of the chosen
set (``gwp_set``: AR6 = "IPCC 2021", default; AR5 = "IPCC 2013") in the LCIA data bw2io ships
(``lcia_39_ecoinvent.zip``): nothing is downloaded and ``bw2setup()`` is not used. Offsets are
never netted; biogenic CO₂ is reported as inventory.

Brightway keeps its projects under ``BRIGHTWAY2_DIR``; when unset it is pointed at a fresh
temporary folder so a run never touches ``$HOME``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import warnings
import zipfile
from functools import cache
from pathlib import Path

from ecoledger.carbon.combustion import fuel_emission_factor
from ecoledger.carbon.errors import CarbonError
from ecoledger.carbon.factors import Registry

BIOSPHERE = "ecoledger-biosphere"
PROJECT = "ecoledger-pcf"
# flow code → (ecoinvent elementary-flow name, categories), so bw2io's IPCC 2021 factors apply
FLOWS = {
    "co2_fossil": ("Carbon dioxide, fossil", ("air",)),
    "ch4_fossil": ("Methane, fossil", ("air",)),
    "n2o": ("Dinitrogen monoxide", ("air",)),
    "co2_biogenic": ("Carbon dioxide, non-fossil", ("air",)),
    "ch4_biogenic": ("Methane, non-fossil", ("air",)),
    "co2_land_use": ("Carbon dioxide, from soil or biomass stock", ("air",)),
    "ch4_land_use": ("Methane, from soil or biomass stock", ("air",)),
    "co2_to_soil": ("Carbon dioxide, to soil or biomass stock", ("soil",)),
}
GWP_SETS = {"AR6": "IPCC 2021", "AR5": "IPCC 2013"}  # GWP set → bw2io method family (GWP100)
PARTS = ("fossil", "biogenic", "land_use")
ALLOCATIONS = ("mass", "economic")
SENSITIVITY_STEP = 0.10
_lock = threading.Lock()  # bw2data keeps one current project per process


def allocation_share(method: str, reference: dict, coproducts: list[dict]) -> float:
    """Share of a multi-output process's burdens given to its reference product.

    mass: ``m_ref / Σ m``; economic: ``m_ref·p_ref / Σ m·p`` (``mass_kg`` and ``price_yuan`` per
    output). ISO 14044 prefers subdivision, then physical, then economic allocation.
    """
    outputs = [reference, *coproducts]
    if method == "mass":
        weights = [float(o["mass_kg"]) for o in outputs]
    elif method == "economic":
        weights = [float(o["mass_kg"]) * float(o["price_yuan"]) for o in outputs]
    else:
        raise CarbonError(f"allocation {method!r} → fix: one of {', '.join(ALLOCATIONS)}")
    return weights[0] / sum(weights)


@cache
def _bw2io_methods() -> dict[tuple, list[dict]]:
    import bw2io

    path = Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip"
    with zipfile.ZipFile(path) as archive:
        return {tuple(m["name"]): m["exchanges"] for m in json.loads(archive.read("data.json"))}


def flow_part(name: str) -> str:
    """The reported part of an elementary flow, by its ecoinvent name (ISO 14067 reporting)."""
    if "non-fossil" in name:
        return "biogenic"
    if "soil or biomass stock" in name:
        return "land_use"
    return "fossil"


def _gwp100(gwp_set: str) -> list[dict]:
    if gwp_set not in GWP_SETS:
        raise CarbonError(f"gwp_set {gwp_set!r} → fix: one of {', '.join(GWP_SETS)}")
    return _bw2io_methods()[(GWP_SETS[gwp_set], "climate change", "global warming potential (GWP100)")]


@cache
def gwp_factors(gwp_set: str = "AR6") -> dict[str, dict[str, float]]:
    """part → flow code → GWP100 factor, read from the LCIA file inside the bw2io wheel."""
    by_flow = {(e["name"], tuple(e["categories"])): e["amount"] for e in _gwp100(gwp_set)}
    found: dict[str, dict[str, float]] = {part: {} for part in PARTS}
    for code, flow in FLOWS.items():
        if flow in by_flow:
            found[flow_part(flow[0])][code] = by_flow[flow]
    return found


def biosphere3_factors(gwp_set: str, part: str) -> list[tuple[tuple[str, str], float]]:
    """The same factors keyed on ecoinvent's ``biosphere3`` flows, for imported databases.

    bw2io stores the keys as lists, which bw2data 4.8 refuses (the reason ``bw2setup()`` fails
    offline); they are turned into tuples here.
    """
    return [
        (tuple(e["input"]), e["amount"])
        for e in _gwp100(gwp_set)
        if e["input"][0] == "biosphere3" and flow_part(e["name"]) == part
    ]


def import_ecospold2(folder: str | Path, name: str) -> int:
    """Import a licensed ecospold2 database (ecoinvent, or CLCD exported as ecospold2) that the user
    holds into the footprint project, with the biosphere3 flows bw2io ships; returns the activity
    count. Nothing is downloaded; the data stay under ``BRIGHTWAY2_DIR``, never in the repository."""
    bd, _ = _bw()
    import bw2io

    with _lock:
        _use_project(bd)
        if "biosphere3" not in bd.databases:
            bw2io.create_default_biosphere3()
        importer = bw2io.SingleOutputEcospold2Importer(str(folder), name)
        importer.apply_strategies()
        importer.match_database("biosphere3", fields=("name", "categories", "unit"))
        unlinked = list(importer.unlinked)
        if unlinked:
            raise CarbonError(
                f"{folder}: {len(unlinked)} exchanges do not link (first: {unlinked[0].get('name')}) → fix: "
                "import the matching biosphere or technosphere database first"
            )
        importer.write_database()
        return len(bd.Database(name))


def load_product_system(path: str | Path) -> dict:
    path = Path(path)
    try:
        system = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CarbonError(
            f"{path.name}: not readable JSON ({exc}) → fix: save the product system as UTF-8 "
            "JSON like examples/carbon/product_system.json"
        ) from None
    check_product_system(system, path.name)
    return system


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_product_system(system: dict, file: str) -> None:
    """Refuse a product system with unknown references, bad amounts or a missing reference process."""
    if not isinstance(system, dict):
        raise CarbonError(f"{file}: not a JSON object → fix: see examples/carbon/product_system.json")
    for key in ("product", "declared_unit", "reference", "processes"):
        if key not in system:
            raise CarbonError(
                f"{file} · {key}: missing → fix: add it (see examples/carbon/product_system.json)"
            )
    if system.get("gwp_set", "AR6") not in GWP_SETS:
        raise CarbonError(f"{file} · gwp_set: {system['gwp_set']!r} → fix: one of {', '.join(GWP_SETS)}")
    if not _number(system.get("amount", 1.0)) or not system.get("amount", 1.0):
        raise CarbonError(
            f"{file} · amount: {system.get('amount')!r} → fix: a non-zero number of declared units"
        )
    processes = system["processes"]
    if not isinstance(processes, list) or not processes or not all(isinstance(p, dict) for p in processes):
        raise CarbonError(f"{file} · processes: not a list of process objects → fix: see the example")
    codes = [p.get("code") for p in processes]
    if len(set(map(str, codes))) != len(codes) or not all(isinstance(c, str) and c for c in codes):
        raise CarbonError(
            f"{file} · processes.code: missing or repeated codes → fix: one unique code per process"
        )
    if system["reference"] not in codes:
        raise CarbonError(
            f"{file} · reference: {system['reference']!r} is not a process code → fix: one of "
            f"{', '.join(codes)}"
        )
    for process in processes:
        _check_process(process, codes, f"{file} · process {process['code']}")


def _check_process(process: dict, codes: list[str], where: str) -> None:
    output = process.get("output", {"amount": 1.0})
    if (
        not isinstance(output, dict)
        or not _number(output.get("amount", 1.0))
        or not output.get("amount", 1.0)
    ):
        raise CarbonError(f"{where} · output.amount: {output!r} → fix: a non-zero number")
    if process.get("coproducts"):
        if process.get("allocation", "mass") not in ALLOCATIONS:
            raise CarbonError(f"{where} · allocation: {process['allocation']!r} → fix: mass or economic")
        keys = ("mass_kg",) if process.get("allocation", "mass") == "mass" else ("mass_kg", "price_yuan")
        outputs = [output, *process["coproducts"]] if isinstance(process["coproducts"], list) else [None]
        if not all(
            isinstance(o, dict) and all(_number(o.get(k)) and o[k] > 0 for k in keys) for o in outputs
        ):
            raise CarbonError(
                f"{where} · output/coproducts: each needs {' and '.join(keys)} > 0 → fix: add them"
            )
    exchanges = process.get("exchanges", [])
    if not isinstance(exchanges, list) or not all(isinstance(e, dict) for e in exchanges):
        raise CarbonError(f"{where} · exchanges: not a list of objects → fix: see the example")
    for n, exchange in enumerate(exchanges, start=1):
        kinds = [k for k in ("input", "activity", "factor", "fuel", "flow") if k in exchange]
        if len(kinds) != 1:
            raise CarbonError(
                f"{where} · exchange {n}: give exactly one of input, activity, factor, fuel, flow"
            )
        if not _number(exchange.get("amount")):
            raise CarbonError(f"{where} · exchange {n} · amount: {exchange.get('amount')!r} → fix: a number")
        value = exchange[kinds[0]]
        if kinds[0] == "input" and value not in codes:
            raise CarbonError(f"{where} · exchange {n} · input: {value!r} is not a process code")
        if kinds[0] == "activity" and not (
            isinstance(value, list) and len(value) == 2 and all(isinstance(a, str) for a in value)
        ):
            raise CarbonError(f"{where} · exchange {n} · activity: {value!r} → fix: [database, code]")
        if kinds[0] in ("factor", "fuel") and not isinstance(value, str):
            raise CarbonError(f"{where} · exchange {n} · {kinds[0]}: {value!r} → fix: a registry name")
        if kinds[0] == "flow" and value not in FLOWS:
            raise CarbonError(f"{where} · exchange {n} · flow: {value!r} → fix: one of {', '.join(FLOWS)}")


def background_emission(exchange: dict, registry: Registry) -> tuple[str, float, list]:
    """(key, kg CO₂ fossil per unit, factors) of a background input from the registry.

    ``factor``: a grid factor in t CO₂/MWh = kg CO₂/kWh (amount in kWh); ``fuel``: a fuel burnt,
    ``NCV × CC × OF × 44/12`` t CO₂/t = kg CO₂/kg (amount in kg).
    """
    if "factor" in exchange:
        factor = registry[exchange["factor"]]
        if factor.quantity != "grid_co2_factor":
            raise CarbonError(
                f"background factor {factor.id} is a {factor.quantity} → fix: name a grid factor"
            )
        return f"factor:{factor.id}", factor.value, [factor]
    fuel = exchange["fuel"]
    used = [registry[f"fuel.{fuel}.{p}"] for p in ("ncv", "cc", "of")]
    if used[0].unit != "GJ/t":
        raise CarbonError(
            f"fuel {fuel}: background inputs are per kg of a solid or liquid fuel → fix: model "
            "gas as a direct co2_fossil flow"
        )
    return f"fuel:{fuel}", fuel_emission_factor(*(f.value for f in used)), used


def system_hash(system: dict) -> str:
    return hashlib.sha256(json.dumps(system, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _use_project(bd) -> None:
    """Switch to the footprint project; switching costs seconds (bw2data collects garbage), so only once."""
    if bd.projects.current != PROJECT:
        bd.projects.set_current(PROJECT)


def _imported(bd, key) -> tuple[str, str]:
    """The key of an activity in a database the user imported (``[database, code]``)."""
    database, code = key
    if database not in bd.databases:
        raise CarbonError(
            f"activity {key}: database {database!r} is not imported → fix: import it first "
            "(`ecoledger carbon import-database`), with the same BRIGHTWAY2_DIR"
        )
    try:
        bd.get_node(database=database, code=code)
    except Exception:
        raise CarbonError(f"activity {key}: no activity {code!r} in {database} → fix: use its code") from None
    return database, code


def _inventory_kg(lca, flow_id: int) -> float:
    """kg of one elementary flow in the life-cycle inventory (0 when no process emits it)."""
    try:
        row = lca.dicts.biosphere[flow_id]
    except KeyError:
        return 0.0
    return float(lca.inventory[row].sum())


def _bw():
    os.environ.setdefault("BRIGHTWAY2_DIR", tempfile.mkdtemp(prefix="ecoledger-brightway-"))
    with warnings.catch_warnings():  # bw2calc advises installing pypardiso, an optional speed-up
        warnings.simplefilter("ignore", UserWarning)
        import bw2calc
    import bw2data

    return bw2data, bw2calc


def compute(system: dict, registry: Registry) -> dict:
    """The footprint of the reference process's output (kg CO₂e per declared unit), by part, with a
    process contribution breakdown and a ±10 % sensitivity on each background factor."""
    check_product_system(system, system.get("file", "product system"))
    with _lock:
        return _compute(system, registry)


def _compute(system: dict, registry: Registry) -> dict:
    bd, bc = _bw()
    digest = system_hash(system)
    _use_project(bd)
    if BIOSPHERE not in bd.databases:
        bd.Database(BIOSPHERE).write(
            {
                (BIOSPHERE, code): {
                    "name": name,
                    "categories": categories,
                    "type": "emission",
                    "unit": "kilogram",
                }
                for code, (name, categories) in FLOWS.items()
            }
        )
    gwp_set = system.get("gwp_set", "AR6")
    methods = {part: ("ecoledger", gwp_set, part) for part in PARTS}
    for part, cfs in gwp_factors(gwp_set).items():
        imported = biosphere3_factors(gwp_set, part) if "biosphere3" in bd.databases else []
        wanted = [((BIOSPHERE, code), cf) for code, cf in cfs.items()] + imported
        method = bd.Method(methods[part])
        if method.name not in bd.methods or len(method.load()) != len(wanted):  # new, or biosphere3 added
            method.register(
                unit="kg CO2-Eq", description=f"{GWP_SETS[gwp_set]} GWP100, {part}, from bw2io data"
            )
            method.write(wanted)

    db_name = f"pcf-{digest}"
    data, background, used = {}, {}, {}
    for process in system["processes"]:
        out = process.get("output", {"amount": 1.0})
        share = 1.0
        if process.get("coproducts"):
            share = allocation_share(process.get("allocation") or "mass", out, process["coproducts"])
        exchanges = [
            {
                "input": (db_name, process["code"]),
                "amount": float(out.get("amount", 1.0)),
                "type": "production",
            }
        ]
        for exchange in process.get("exchanges", []):
            amount = exchange["amount"] * share
            if "input" in exchange:
                exchanges.append(
                    {"input": (db_name, exchange["input"]), "amount": amount, "type": "technosphere"}
                )
            elif "activity" in exchange:
                exchanges.append(
                    {"input": _imported(bd, exchange["activity"]), "amount": amount, "type": "technosphere"}
                )
            elif "flow" in exchange:
                exchanges.append(
                    {"input": (BIOSPHERE, exchange["flow"]), "amount": amount, "type": "biosphere"}
                )
            else:
                key, kg_per_unit, cited = background_emission(exchange, registry)
                background[key] = kg_per_unit
                used.update({f.id: f for f in cited})
                exchanges.append({"input": (db_name, key), "amount": amount, "type": "technosphere"})
        data[(db_name, process["code"])] = {
            "name": process.get("name", process["code"]),
            "unit": out.get("unit", "unit"),
            "exchanges": exchanges,
            "allocation_share": share,
        }
    for key, kg_per_unit in background.items():
        data[(db_name, key)] = {
            "name": key,
            "unit": "unit",
            "exchanges": [
                {"input": (db_name, key), "amount": 1.0, "type": "production"},
                {"input": (BIOSPHERE, "co2_fossil"), "amount": kg_per_unit, "type": "biosphere"},
            ],
        }
    db = bd.Database(db_name)
    db.write(data)

    reference = bd.get_node(database=db_name, code=system["reference"])
    lca = bc.LCA({reference: float(system.get("amount", 1.0))}, method=methods["fossil"])
    lca.lci()
    by_part, by_process = {}, {}
    codes = {lca.dicts.activity[db.get(code).id]: code for (_, code) in data}
    for part in PARTS:
        lca.switch_method(methods[part])
        lca.lcia()
        by_part[part] = float(lca.score)
        per_column = lca.characterized_inventory.sum(axis=0).A1
        for column, code in codes.items():
            by_process[code] = by_process.get(code, 0.0) + float(per_column[column])
    biogenic_co2 = _inventory_kg(lca, bd.get_node(database=BIOSPHERE, code="co2_biogenic").id)
    bd.Database(db_name).deregister()

    total = sum(by_part.values())
    imported = total - sum(by_process.values())  # emissions inside imported (licensed) databases
    if abs(imported) > 1e-12 * max(1.0, abs(total)):
        by_process["imported"] = imported
        data[(db_name, "imported")] = {"name": "activities of imported databases"}
    contributions = sorted(
        (
            {
                "process": code,
                "name": data[(db_name, code)]["name"],
                "kg_co2e": value,
                "share": value / total if total else None,
            }
            for code, value in by_process.items()
            if value
        ),
        key=lambda c: -abs(c["kg_co2e"]),
    )
    # The score is linear in each background emission factor, so a ±10 % change in a factor moves
    # the total by ±10 % of that background process's contribution.
    sensitivity = [
        {
            "factor": key,
            "step": SENSITIVITY_STEP,
            "total_low": total - SENSITIVITY_STEP * by_process[key],
            "total_high": total + SENSITIVITY_STEP * by_process[key],
        }
        for key in background
    ]
    return {
        "product": system["product"],
        "declared_unit": system["declared_unit"],
        "boundary": system.get("boundary", ""),
        "illustrative": bool(system.get("illustrative", False)),
        "total_kg_co2e": total,
        "fossil_kg_co2e": by_part["fossil"],
        "biogenic_kg_co2e": by_part["biogenic"],
        "land_use_kg_co2e": by_part["land_use"],
        "biogenic_co2_emission_kg": biogenic_co2,
        "contributions": contributions,
        "sensitivity": sensitivity,
        "allocation": {
            p["code"]: {
                "method": p.get("allocation") or "mass",
                "share": data[(db_name, p["code"])]["allocation_share"],
            }
            for p in system["processes"]
            if p.get("coproducts")
        },
        "factors": [f.cite() for f in used.values()],
        "registry_version": registry.version,
        "gwp": f"{GWP_SETS[gwp_set]} ({gwp_set}) GWP100, characterisation factors from bw2io's bundled "
        "lcia_39_ecoinvent.zip",
        "gwp_set": gwp_set,
        "engine": f"Brightway (bw2data {bd.__version__}, bw2calc {bc.__version__})",
        "product_system_sha256": digest,
    }
