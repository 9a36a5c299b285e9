"""Product traceability (issue 18 item 6): trace codes and their check character, the hash-linked
chain of custody and what verification finds, the loss check, certificates and brands, climate-
quality grades checked by hand on the real station normals, and the public lookup page (Chinese
with nothing left in English, English twin, real Chromium)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from ecoledger import messages
from ecoledger.registry import climate_quality as cq
from ecoledger.registry import trace
from ecoledger.testing import chromium, screenshots, watch
from ecoledger.untranslated import untranslated

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "jiangxi"
HARVEST = dt.date(2024, 11, 5)


def _phi(z: float) -> float:
    """Standard normal distribution function, written out for the hand checks."""
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _daylength(lat_deg: float, month: int) -> float:
    """FAO-56 eqs. 24, 25, 34 at J = int(30.4·M − 15), written out again for the hand check."""
    j = math.floor(30.4 * month - 15)
    delta = 0.409 * math.sin(2 * math.pi * j / 365 - 1.39)
    return 24 / math.pi * math.acos(-math.tan(math.radians(lat_deg)) * math.tan(delta))


def _origin() -> trace.Origin:
    return trace.Origin("JX-360722-2024-000123", "信丰县", "信丰县某脐橙专业合作社（演示）",
                        county_code="360722", producer_id="DEMO-P-001")


def _batch() -> trace.Batch:
    batch = trace.new_batch("B2024-0001", "赣南脐橙", _origin(), created="2024-11-01T08:00:00+08:00",
                            product_en="Gannan navel orange")
    steps = [
        trace.Step("harvest", "合作社采摘组", "信丰县果园", "2024-11-05T08:30:00+08:00",
                   trace.Quantity(1200, "kg")),
        trace.Step("processing", "信丰县某选果厂", "信丰县工业园", "2024-11-06T10:00:00+08:00",
                   trace.Quantity(1100, "kg"), trace.Quantity(1200, "kg"), note="清洗、分级"),
        trace.Step("packing", "信丰县某选果厂", "信丰县工业园", "2024-11-06T16:00:00+08:00",
                   trace.Quantity(2100, "斤"), trace.Quantity(1100, "kg")),
        trace.Step("sale", "南昌某超市", "南昌市红谷滩区", "2024-11-09T09:00:00+08:00",
                   trace.Quantity(2100, "斤"), trace.Quantity(2100, "斤")),
    ]
    for step in steps:
        batch = trace.append_step(batch, step)
    return batch


@pytest.fixture(scope="module")
def certified() -> trace.Batch:
    batch = _batch()
    batch = trace.attach_certificate(batch, trace.Certificate(
        "brand", "GNQC-DEMO-0099", "赣州市果业发展中心（演示）", "2024-01-01", "2026-12-31",
        brand="gannan_navel_orange"))
    batch = trace.attach_certificate(batch, trace.Certificate(
        "brand", "GZH-DEMO-1", "演示颁发方", "2024-01-01", "2025-12-31", brand="ganzihao"))
    batch = trace.attach_certificate(batch, trace.Certificate(
        "green_food", "LB-DEMO-2401234567A", "中国绿色食品发展中心（演示编号）", "2024-03-01", "2024-11-30",
        scope="赣南脐橙"))
    evaluation = cq.evaluate_county("gannan_navel_orange_suitability", "信丰县", source=SOURCE)
    return trace.attach_certificate(batch, trace.climate_certificate(
        evaluation, "QH-DEMO-gannan", "演示气象服务机构", dt.date(2024, 11, 1)))


# --- codes ----------------------------------------------------------------------------------------

def test_code_is_short_url_safe_and_qr_alphanumeric():
    import segno

    code = _batch().code
    assert len(code) == 11 and code.isalnum() and code == code.upper()
    assert trace.code_is_well_formed(code)
    assert segno.make(code).mode == "alphanumeric"  # the QR code's compact mode: digits and capitals
    assert trace.display_code(code) == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert trace.lookup_url(code, "https://trace.example/") == f"https://trace.example/trace/{code}"
    # typed loosely: lower case, hyphens, spaces and Crockford's look-alikes still read
    loose = trace.display_code(code).lower().replace("0", "o").replace("1", "l")
    assert trace.normalise_code(f" {loose} ") == code


def test_the_check_character_catches_every_single_typo():
    code = _batch().code
    for position in range(len(code)):
        for char in trace.ALPHABET:
            if char == code[position]:
                continue
            typo = code[:position] + char + code[position + 1:]
            assert not trace.code_is_well_formed(typo), (position, char)
            assert trace.verify(typo, None).status == "invalid"
    swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2:]
             for i in range(len(code) - 1) if code[i] != code[i + 1]]
    caught = sum(not trace.code_is_well_formed(s) for s in swaps)
    assert caught >= len(swaps) - 1  # Luhn mod 32 misses only the swap of two values summing to 31


def test_the_code_is_fixed_by_the_header_not_by_later_steps():
    batch = _batch()
    fresh = trace.new_batch("B2024-0001", "赣南脐橙", _origin(), created="2024-11-01T08:00:00+08:00",
                            product_en="Gannan navel orange")
    assert fresh.code == batch.code and fresh.head != batch.head
    other = trace.new_batch("B2024-0002", "赣南脐橙", _origin(), created="2024-11-01T08:00:00+08:00")
    assert other.code != batch.code


# --- chain of custody -----------------------------------------------------------------------------

def test_each_hash_covers_the_previous():
    batch = _batch()
    assert batch.entries[0].prev == batch.genesis
    for before, after in zip(batch.entries, batch.entries[1:], strict=False):
        assert after.prev == before.hash
    assert trace.verify(batch.code, batch, head=batch.head).status == "valid"


def test_a_tampered_step_is_detected():
    batch = _batch()
    stored = json.loads(trace.to_json(batch))
    stored["entries"][1]["record"]["quantity_out"]["amount"] = 1190  # a smaller loss, after the fact
    changed = trace.from_json(json.dumps(stored, ensure_ascii=False))
    result = trace.verify(batch.code, changed, head=batch.head)
    assert result.status == "tampered"
    assert ("entry_changed", (("seq", 2),)) in result.problems
    # re-hashing the changed entry moves the break to the next link, and the stored head still differs
    entries = list(changed.entries)
    e = entries[1]
    entries[1] = replace(e, hash=trace._entry_hash(e.seq, e.type, e.record, e.prev))
    rehashed = replace(changed, entries=tuple(entries))
    problems = dict(trace.verify(batch.code, rehashed, head=batch.head).problems)
    assert problems["link_broken"] == (("seq", 3),) and "entry_changed" not in problems
    # the origin changed: the header no longer gives the code printed on the package
    moved = replace(batch, origin=replace(batch.origin, county="寻乌县"))
    assert trace.verify(batch.code, moved).problems[:2] == (
        ("origin_changed", ()), ("link_broken", (("seq", 1),)))
    # the last entry cut off: only the head the registry stored shows it
    cut = replace(batch, entries=batch.entries[:-1])
    assert trace.verify(batch.code, cut).status == "valid"
    assert trace.verify(batch.code, cut, head=batch.head).problems == (("head_mismatch", ()),)
    assert trace.verify(batch.code, None).status == "unknown"


def test_json_round_trip_keeps_the_chain():
    batch = _batch()
    again = trace.from_json(trace.to_json(batch))
    assert again == batch and trace.verify(again.code, again, head=batch.head).status == "valid"
    assert trace.batch_to_dict(batch)["head"] == batch.head


def test_loss_check():
    batch = trace.new_batch("B-L", "绿茶", _origin(), created="2024-04-01T06:00:00+08:00")
    batch = trace.append_step(batch, trace.Step("harvest", "采茶组", "婺源", "2024-04-01T07:00:00+08:00",
                                                trace.Quantity(500, "kg")))
    with pytest.raises(trace.TraceError) as gain:  # more dry tea out than fresh leaf in
        trace.append_step(batch, trace.Step("processing", "茶厂", "婺源", "2024-04-01T18:00:00+08:00",
                                            trace.Quantity(501, "kg"), trace.Quantity(500, "kg")))
    assert gain.value.key == "registry.trace.error.gain"
    assert "多于" in gain.value.in_language("zh")
    with pytest.raises(trace.TraceError) as overdraw:  # takes more than the harvest passed on
        trace.append_step(batch, trace.Step("processing", "茶厂", "婺源", "2024-04-01T18:00:00+08:00",
                                            trace.Quantity(100, "kg"), trace.Quantity(600, "kg")))
    assert overdraw.value.key == "registry.trace.error.overdraw"
    with pytest.raises(trace.TraceError) as units:  # boxes and kilograms cannot be compared
        trace.append_step(batch, trace.Step("packing", "茶厂", "婺源", "2024-04-01T18:00:00+08:00",
                                            trace.Quantity(40, "box"), trace.Quantity(500, "kg")))
    assert units.value.key == "registry.trace.error.units"
    with pytest.raises(trace.TraceError) as early:
        trace.append_step(batch, trace.Step("processing", "茶厂", "婺源", "2024-03-31T18:00:00+08:00",
                                            trace.Quantity(100, "kg"), trace.Quantity(500, "kg")))
    assert early.value.key == "registry.trace.error.time"
    with pytest.raises(trace.TraceError) as first:
        trace.append_step(trace.new_batch("B-X", "绿茶", _origin(), created="2024-04-01T06:00:00"),
                          trace.Step("processing", "茶厂", "婺源", "2024-04-01T18:00:00+08:00",
                                     trace.Quantity(1, "kg"), trace.Quantity(1, "kg")))
    assert first.value.key == "registry.trace.error.first_step"
    # 1 100 kg → 2 200 斤 is no loss; 2 300 斤 (1 150 kg) would be a gain
    oranges = _batch()
    assert trace.comparable(trace.Quantity(1100, "kg"), trace.Quantity(2200, "斤")) == (1100, 1100)
    assert [(x["loss"], x["unit"]) for x in trace.losses(oranges)] == [
        (None, "kg"), (100, "kg"), (50, "kg"), (0, "斤")]  # 1 200 − 1 100; 1 100 − 2 100 × 0.5
    assert trace.losses(oranges)[1]["share"] == pytest.approx(100 / 1200)


# --- certificates and brands ----------------------------------------------------------------------

def test_brands_are_data_with_their_sources():
    brands = trace.load_brands()
    assert brands["eco_poyang_green"].name_zh == "生态鄱阳湖·绿色农产品"
    assert brands["ganzihao"].name_zh == "赣字号" and brands["ganzihao"].evidence == "unverified"
    for brand in brands.values():
        assert brand.evidence in ("sourced", "unverified")
        if brand.evidence == "sourced":
            assert brand.url.startswith("http") and brand.name_zh in brand.quote
    with pytest.raises(trace.TraceError, match="brand"):
        trace.attach_certificate(_batch(), trace.Certificate(
            "brand", "N1", "某机构", "2024-01-01", "2024-12-31", brand="no_such_brand"))


def test_certificate_validity():
    cert = trace.Certificate("organic", "ORG-1", "某认证机构", "2024-03-01", "2025-02-28")
    assert trace.certificate_status(cert, dt.date(2024, 2, 29)) == "not_yet_valid"
    assert trace.certificate_status(cert, dt.date(2024, 3, 1)) == "valid"
    assert trace.certificate_status(cert, dt.date(2025, 2, 28)) == "valid"
    assert trace.certificate_status(cert, dt.date(2025, 3, 1)) == "expired"
    with pytest.raises(trace.TraceError):
        trace.attach_certificate(_batch(), replace(cert, valid_until="2024-02-01"))
    climate = trace.climate_certificate({"rule": "x"}, "QH-1", "某气象台", dt.date(2024, 11, 1))
    assert (climate.valid_from, climate.valid_until) == ("2024-11-01", "2025-10-31")  # one year
    with pytest.raises(trace.TraceError):
        trace.attach_certificate(_batch(), replace(climate, evaluation=None))


# --- climate quality: hand-checked grades ---------------------------------------------------------

def _ganzhou() -> cq.StationClimate:
    return next(s for s in cq.stations(SOURCE) if s.station_id == "57993")


def test_ganzhou_normals_are_the_cru_file():
    with (SOURCE / "climate_grids/gsod_stations_jiangxi_bbox_cru_cl2_chelsa.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["STNID"].startswith("57993"))
    assert _ganzhou().monthly["tmean_c"] == tuple(float(row[f"CRU_CL_2_0_tmp_{m:02d}"]) for m in range(1, 13))
    assert [round(v, 1) for v in _ganzhou().monthly["tmean_c"]] == [
        8.4, 9.4, 13.9, 19.6, 24.2, 26.9, 29.8, 29.3, 26.2, 21.3, 15.5, 10.3]


def test_station_for_a_county():
    inside = cq.county_station("章贡区", source=SOURCE)
    assert inside["station"].station_id == "57993" and inside["inside_county"]
    outside = cq.county_station("360722", source=SOURCE)  # 信丰县 has no station of the 19
    assert outside["county"] == "信丰县" and outside["station"].station_id == "57993"
    assert not outside["inside_county"] and 40 < outside["distance_km"] < 90
    with pytest.raises(cq.ClimateQualityError, match="not a Jiangxi county"):
        cq.county_station("不存在县", source=SOURCE)


def test_navel_orange_suitability_at_ganzhou_by_hand():
    """Ganzhou 57993, CRU CL 2.0 1961–1990 normals (°C): 8.4 9.4 13.9 19.6 24.2 26.9 29.8 29.3 26.2
    21.3 15.5 10.3; precipitation (mm): 59.6 95.4 158.2 204.7 224.3 223.2 101.0 127.1 100.9 79.6
    55.0 39.6.

    annual mean = (31·8.4 + 28·9.4 + 31·13.9 + 30·19.6 + 31·24.2 + 30·26.9 + 31·29.8 + 31·29.3
                   + 30·26.2 + 31·21.3 + 30·15.5 + 31·10.3) / 365
                = (260.4 + 263.2 + 430.9 + 588.0 + 750.2 + 807.0 + 923.8 + 908.3 + 786.0 + 660.3
                   + 465.0 + 319.3) / 365 = 7162.4 / 365 = 19.623 °C → 适宜 (17–20), not 最适 (18–19);
    ≥10 °C accumulated = 7162.4 − 260.4 − 263.2 (January, February below 10) = 6638.8 °C·d
                → above 6500: neither band → 未达要求;
    January = 8.4 °C → 最适 (8–9);  precipitation = 1468.6 mm → 适宜 (≥1000; 最适 needs ≥1500);
    July sunshine = 31 d · 63.2 % · N(25.85° N, J = 197) = 31 · 0.632 · 13.452 h = 263.5 h;
    annual sunshine ≥ 1200 h → 适宜, its best band (the optimum has no bound): it bars nothing;
    extreme minimum: the normals hold none → missing.
    Overall: the worst indicator, 未达要求 (rank 3), incomplete."""
    rules = cq.load_rules()
    result = cq.evaluate(rules["gannan_navel_orange_suitability"], _ganzhou())
    by = {(i["indicator"], i["period"]): i for i in result["indicators"]}
    annual = by[("mean_temp_c", "01-01..12-31")]
    assert annual["value"] == pytest.approx(7162.4 / 365, abs=1e-4) and annual["grade"] == "适宜"
    assert annual["days"] == 365 and annual["method"] == "normals_step"
    accumulated = by[("active_accumulated_temp_10_c", "01-01..12-31")]
    assert accumulated["value"] == pytest.approx(6638.8, abs=1e-3) and accumulated["grade"] == "未达要求"
    january = by[("mean_temp_c", "01-01..01-31")]
    assert january["value"] == pytest.approx(8.4, abs=1e-5) and january["grade"] == "最适"
    rain = by[("precipitation_mm", "01-01..12-31")]
    assert rain["value"] == pytest.approx(1468.6, abs=1e-3) and rain["grade"] == "适宜"
    assert _daylength(25.85, 7) == pytest.approx(13.452, abs=1e-3)
    july = cq.indicator_value(_ganzhou(), "sunshine_h", cq.period_days("07-01..07-31"))
    assert july[0] == pytest.approx(31 * 0.632 * 13.452, abs=0.05) and july[1] == "normals_sunshine_pct"
    sunshine = by[("sunshine_h", "01-01..12-31")]
    expected = sum(d * p / 100 * _daylength(25.85, m + 1) for m, (d, p) in
                   enumerate(zip(cq.DAYS_IN_MONTH, _ganzhou().monthly["sunshine_pct"], strict=True)))
    assert sunshine["value"] == pytest.approx(expected) and sunshine["value"] > 1200
    assert sunshine["grade"] == "适宜"
    assert by[("mean_extreme_min_temp_c", "01-01..12-31")]["value"] is None
    assert result["missing"] == ["mean_extreme_min_temp_c"] and result["complete"] is False
    assert (result["grade"], result["grade_rank"], result["status"]) == ("未达要求", 3, "cited")
    # with the accumulated temperature inside its band the overall would be 适宜, sunshine barring nothing
    december_9_9 = (8.4, 9.4, 13.9, 19.6, 24.2, 26.9, 29.8, 29.3, 26.2, 21.3, 15.5, 9.9)
    cooler = replace(_ganzhou(), monthly={**_ganzhou().monthly, "tmean_c": december_9_9})
    again = cq.evaluate(rules["gannan_navel_orange_suitability"], cooler)
    assert again["grade"] == "适宜"  # 6638.8 − 319.3 = 6319.5 °C·d → 最适; annual 7150.0 / 365 = 19.59 → 适宜


def test_navel_orange_suitability_for_xinfeng_county():
    """信丰县 has no station of the 19: the nearest is Ganzhou 57993, so the county's evaluation is the
    Ganzhou hand case above (annual mean 7162.4 / 365 °C → 适宜; overall 未达要求, incomplete)."""
    result = cq.evaluate_county("gannan_navel_orange_suitability", "信丰县", source=SOURCE)
    by = {(i["indicator"], i["period"]): i for i in result["indicators"]}
    assert by[("mean_temp_c", "01-01..12-31")]["value"] == pytest.approx(7162.4 / 365, abs=1e-4)
    assert by[("precipitation_mm", "01-01..12-31")]["value"] == pytest.approx(1468.6, abs=1e-3)
    assert (result["grade"], result["status"], result["complete"]) == ("未达要求", "cited", False)
    assert result["data"]["station_id"] == "57993" and result["data"]["county"] == "信丰县"
    assert result["data"]["years"] == "1961–1990" and result["data"]["inside_county"] is False
    assert result["rules_sha256"] == cq.rules_sha256()
    json.dumps(result)  # JSON-safe


def test_hot_days_from_monthly_normals_by_hand():
    """No shipped rule grades hot days, but a user's rule may (the template lists the indicator).
    Jul–Sep at Ganzhou 57993, monthly mean Tmax 34.25, 33.8, 30.3 °C:
    hot days = 31·Φ((34.25 − 35)/3) + 31·Φ((33.8 − 35)/3) + 30·Φ((30.3 − 35)/3)
             = 31·0.40129 + 31·0.34458 + 30·0.05859 = 12.440 + 10.682 + 1.758 = 24.88 d."""
    hot = 31 * _phi((34.25 - 35) / 3) + 31 * _phi((33.8 - 35) / 3) + 30 * _phi((30.3 - 35) / 3)
    assert hot == pytest.approx(24.88, abs=0.01)
    value, method = cq.indicator_value(_ganzhou(), "hot_days_tmax_35", cq.period_days("07-01..09-30"))
    assert value == pytest.approx(hot, abs=1e-4) and method == "normals_hot_days"


def _daily(values: dict[dt.date, float]) -> cq.DailyClimate:
    days = {d: cq.DailyRecord(tmean_c=v, tmax_c=v + 6, tmin_c=v - 5, precip_mm=1.0, sunshine_h=5.0, rh_pct=80)
            for d, v in values.items()}
    return cq.DailyClimate("99999", "Test", "测试站", 29.0, 117.0, 100.0, "synthetic", "合成数据", days)


def test_tea_picking_rule_on_daily_data_by_hand():
    """Picking 2024-04-10. Days 20–10 before: 03-21 … 03-31 (11 days) at 11, 11, 11, 11, 12, 12, 12, 13,
    13, 13, 13 °C → mean 132 / 11 = 12.0 °C → 较好 (10–15). Days 5–3 before: 04-05 … 04-07 at 14, 16,
    21 °C → 51 / 3 = 17.0 → 较好 (13–18); at 15, 18, 24 → 57 / 3 = 19.0 → 未达较好条件."""
    picking = dt.date(2024, 4, 10)
    march = [11, 11, 11, 11, 12, 12, 12, 13, 13, 13, 13]
    values = {dt.date(2024, 3, 21) + dt.timedelta(days=n): v for n, v in enumerate(march)}
    values.update({dt.date(2024, 4, 1) + dt.timedelta(days=n): 20.0 for n in range(10)})
    rule = cq.load_rules()["tea_pre_harvest_temperature"]
    good = cq.evaluate(rule, _daily({**values, dt.date(2024, 4, 5): 14, dt.date(2024, 4, 6): 16,
                                     dt.date(2024, 4, 7): 21}), harvest=picking)
    first, last = good["indicators"]
    assert (first["start"], first["end"], first["days"]) == ("2024-03-21", "2024-03-31", 11)
    assert first["value"] == pytest.approx(12.0) and last["value"] == pytest.approx(17.0)
    assert good["grade"] == "较好" and good["data"]["kind"] == "daily" and good["data"]["years"] == "2024"
    warm = cq.evaluate(rule, _daily({**values, dt.date(2024, 4, 5): 15, dt.date(2024, 4, 6): 18,
                                     dt.date(2024, 4, 7): 24}), harvest=picking)
    assert warm["indicators"][1]["value"] == pytest.approx(19.0) and warm["grade"] == "未达较好条件"
    gap = dict(values)
    del gap[dt.date(2024, 3, 25)]
    missing = cq.evaluate(rule, _daily(gap), harvest=picking)
    assert missing["indicators"][0]["method"] == "daily_gap" and missing["missing"] == ["mean_temp_c"]


def test_daily_sums_by_hand():
    days = [dt.date(2024, 7, 1) + dt.timedelta(days=n) for n in range(3)]
    climate = _daily(dict(zip(days, [9.0, 10.0, 30.0], strict=True)))  # Tmax 15, 16, 36
    assert cq.indicator_value(climate, "active_accumulated_temp_10_c", days) == (40.0, "daily")  # 10 + 30
    assert cq.indicator_value(climate, "hot_days_tmax_35", days) == (1.0, "daily")
    assert cq.indicator_value(climate, "precipitation_mm", days) == (3.0, "daily")
    assert cq.indicator_value(climate, "mean_extreme_min_temp_c", days) == (4.0, "daily")


def test_composite_index_bands_shared_end_points_take_the_better_grade():
    rule = cq.load_rules()["dangshan_pear_index_bands"]
    grades = {v: cq.evaluate(rule, supplied={"climate_quality_index": v})["grade"]
              for v in (4.0, 3.5, 3.0, 2.5, 1.5, 1.49)}
    assert grades == {4.0: "特优", 3.5: "特优", 3.0: "优", 2.5: "优", 1.5: "良", 1.49: "一般"}
    assert cq.evaluate(rule)["missing"] == ["climate_quality_index"]


def test_every_shipped_rule_is_cited():
    with cq.rules_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:  # no threshold of ecoledger's own: every row cited, every number in its quote
        assert row["status"] == "cited", row
        assert row["url"].startswith("http") and row["quote"]
        for bound in (row["lower"], row["upper"]):
            if bound:
                assert float(bound) in cq._numbers_in(row["quote"]), row
    assert not any("QX/T 486" in r["source"] for r in rows)  # its thresholds could not be read
    rules = cq.load_rules()
    assert set(rules) == {"gannan_navel_orange_suitability", "tea_pre_harvest_temperature",
                          "dangshan_pear_index_bands"}
    assert {r.status for r in rules.values()} == {"cited"}
    template = cq.load_rules(cq.rules_path().with_name(cq.TEMPLATE_FILE))
    assert template["my_product_rule"].status == "user"


def test_a_number_missing_from_its_quote_is_refused(tmp_path):
    with cq.rules_path().open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["lower"] = "18.5"  # not what the source says
    bad = tmp_path / "rules.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=cq.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(cq.ClimateQualityError, match=r"18\.5 does not occur in the quote"):
        cq.load_rules(bad)
    rows[0]["lower"], rows[0]["status"] = "18", "standard"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=cq.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(cq.ClimateQualityError, match="status 'standard'"):
        cq.load_rules(bad)


# --- the lookup page ------------------------------------------------------------------------------

def test_every_phrase_has_both_languages():
    assert messages.problems() == []
    keys = [k for k in messages.CATALOGUE if k.startswith("registry.trace.")]
    assert len(keys) > 80


def test_zh_page_has_no_english_and_shows_the_batch(certified):
    on = dt.date(2024, 12, 1)
    zh = trace.render_lookup(certified, "zh", on=on)
    assert untranslated(zh) == []
    assert 'lang="zh-CN"' in zh and trace.display_code(certified.code) in zh and "<svg" in zh
    for text in ("JX-360722-2024-000123", "信丰县", "信丰县某脐橙专业合作社（演示）", "有效", "采收", "加工",
                 "100 kg（8.3%）", "赣南脐橙", "已过期", "未核实", "适宜", "最适",
                 "未达要求", "赣州 57993", "1961–1990", cq.rules_sha256(), certified.head):
        assert text in zh, text
    assert "演示阈值" not in zh  # a cited rule carries no demonstration banner
    en = trace.render_lookup(certified, "en", on=on)
    assert 'lang="en"' in en and "Valid: the code matches" in en
    assert "active accumulated temperature ≥ 10 °C" in en and "Demonstration thresholds" not in en
    assert "Ganzhou 57993" in en and "Gannan navel orange" in en


# a user's rule marked demonstration: test data, thresholds set by this test
DEMO_HEAD = ("test_rule", "测试产品（测试数据）", "Test product (test data)", "quality")
DEMO_TAIL = ("demonstration", "测试数据：阈值由本测试设定", "", "", "test data")
DEMO_ROWS = [(*DEMO_HEAD, "mean_temp_c", "07-01..09-30", "特优", "excellent", "1", "28", "30", *DEMO_TAIL),
             (*DEMO_HEAD, "*", "", "一般", "fair", "2", "", "", *DEMO_TAIL)]


def test_a_users_rule_marked_demonstration_carries_the_banner(tmp_path):
    """A user's rule may be marked demonstration (no shipped rule is): the evaluation says so and the
    page shows the banner in zh and en. Jul–Sep mean at Ganzhou 57993 =
    (31·29.8 + 31·29.3 + 30·26.2) / 92 = 2618.1 / 92 = 28.458 °C → 特优 (28–30, the test's band)."""
    path = tmp_path / "my_rules.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([cq.COLUMNS, *DEMO_ROWS])
    rule = cq.load_rules(path)["test_rule"]
    assert rule.status == "demonstration"
    evaluation = cq.evaluate(rule, _ganzhou(), rules_file=path)
    assert evaluation["indicators"][0]["value"] == pytest.approx(2618.1 / 92, abs=1e-4)
    assert (evaluation["grade"], evaluation["status"]) == ("特优", "demonstration")
    assert evaluation["rules_sha256"] == cq.rules_sha256(path)
    batch = trace.attach_certificate(_batch(), trace.climate_certificate(
        evaluation, "QH-TEST-1", "测试机构", dt.date(2024, 11, 1)))
    zh = trace.render_lookup(batch, "zh", on=dt.date(2024, 12, 1))
    assert messages.text("registry.trace.page.climate.demonstration", "zh") in zh
    assert untranslated(zh) == []
    en = trace.render_lookup(batch, "en", on=dt.date(2024, 12, 1))
    assert "Demonstration thresholds: this rule is marked as a demonstration" in en


def test_page_of_a_tampered_unknown_and_mistyped_code(certified):
    stored = json.loads(trace.to_json(certified))
    stored["entries"][0]["record"]["quantity_out"]["amount"] = 1500
    tampered = trace.render_lookup(trace.from_json(json.dumps(stored)), "zh", head=certified.head)
    assert "记录已被改动" in tampered and "第 1 条记录的内容已被改动" in tampered
    assert untranslated(tampered) == []
    unknown = trace.render_lookup(None, "zh", code=certified.code)
    assert "未知追溯码" in unknown and untranslated(unknown) == []
    typo = certified.code[:-1] + ("0" if certified.code[-1] != "0" else "1")
    mistyped = trace.render_lookup(None, "en", code=typo)
    assert "Invalid code" in mistyped and "<svg" not in mistyped


def test_lookup_page_in_a_real_browser(certified, tmp_path):
    on = dt.date(2024, 12, 1)
    names = {"zh": "trace.html", "en": "trace.en.html"}
    for lang, name in names.items():
        html = trace.render_lookup(certified, lang, on=on, alternates=names)
        (tmp_path / name).write_text(html, encoding="utf-8")
    shots = screenshots()
    with chromium() as browser:
        for lang, name in names.items():
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900},
                                        locale="zh-CN" if lang == "zh" else "en-GB")
                errors = watch(page, "file://")
                page.goto((tmp_path / name).as_uri())
                page.wait_for_load_state("load")
                assert errors == [], (lang, errors)
                assert page.locator("#status-card").get_attribute("data-status") == "valid"
                assert page.locator("#steps tbody tr").count() == 4
                assert page.locator("section.climate").count() == 1
                assert page.locator("#verification svg").bounding_box()["width"] > 80  # the QR code shows
                scroll, client = page.evaluate(  # wide tables scroll in their own box, the page does not
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                assert scroll <= client, (lang, width, scroll, client)
                if lang == "zh":
                    assert untranslated(page.content()) == []
                page.screenshot(path=str(shots / f"registry-trace-{lang}-{width}.png"), full_page=True)
                page.close()
        page = browser.new_page()
        page.goto((tmp_path / names["zh"]).as_uri())
        page.click("a[hreflang=en]")  # the language switch leads to the twin
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == "en"
        page.close()
