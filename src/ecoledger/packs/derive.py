"""Derive GEP input layers from coarse real data (Jiangxi demo pack).

Pure, vectorised numpy functions: scalars or arrays in, NaN in → NaN out. Monthly inputs carry the
month on axis 0, shape ``(12, …)``. Formulas, sources and confidence tags follow
``docs/jiangxi-parameters.md`` (§1, 3, 6, 7, 8). Confidence: *full* / *abstract* (number read in the
source), *memory* (standard value not re-read), *derived* (our arithmetic on cited numbers), *design*
(our assumption). Each function's method statement is registered in ``METHODS`` (English) and
``METHODS_ZH`` (Chinese) under the function name, for pack metadata and reports, and is appended to
its docstring.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.optimize import brentq
from scipy.special import ndtr

from ecoledger.items.carbon import heterotrophic_respiration_monthly

METHODS: dict[str, str] = {}
METHODS_ZH: dict[str, str] = {}

DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
SOLAR_CONSTANT = 0.0820  # MJ m⁻² min⁻¹ (FAO-56)
CAI_FULL_COVER_PERCENT = 78.3  # Cai et al. 2000: C = 0 at or above this cover


def _method(en: str, zh: str):
    """Register a function's method statement and append the English one to its docstring."""

    def register(func):
        METHODS[func.__name__] = en
        METHODS_ZH[func.__name__] = zh
        func.__doc__ = f"{func.__doc__}\n\n    Method and source: {en}\n    "
        return func

    return register


def _monthly(values, rest_ndim: int) -> np.ndarray:
    """``values`` (12, …) as float, with axes added after the month axis to broadcast over rest_ndim dims."""
    values = np.asarray(values, dtype=float)
    if values.shape[:1] != (12,):
        raise ValueError(f"monthly input needs 12 months on axis 0, got shape {values.shape}")
    extra = max(rest_ndim - (values.ndim - 1), 0)
    return values.reshape((12,) + (1,) * extra + values.shape[1:])


@_method(
    "Air temperature at elevation z is the reference-station value corrected by a constant lapse rate, "
    "T(z) = T_ref − Γ·(z − z_ref). Default Γ = 0.006 °C/m (0.6 °C per 100 m), derived from the Lushan "
    "summit versus plain temperatures (jiangxi-parameters §7; derived: ≈0.5 annual to ≈0.6 July); the "
    "standard-atmosphere value is 0.65 °C per 100 m (memory). Assumes one lapse rate for all months and "
    "ignores inversions and slope aspect.",
    "按恒定气温垂直递减率将参考站气温订正到高程 z：T(z) = T_ref − Γ·(z − z_ref)。默认 Γ = 0.006 °C/m"
    "（每百米 0.6 °C），由庐山山顶与平原气温推算（`jiangxi-parameters.md` §7；"
    "推算值：年均约 0.5、7 月约 0.6）；"
    "标准大气取每百米 0.65 °C（记忆值）。假定各月递减率相同，不考虑逆温和坡向。",
)
def lapse_rate_temperature(t_ref_c, z_ref_m, z_m, lapse_c_per_m=0.006):
    """Temperature (°C) at elevation ``z_m`` (m) from ``t_ref_c`` (°C) observed at ``z_ref_m`` (m)."""
    return np.asarray(t_ref_c, dtype=float) - lapse_c_per_m * (np.asarray(z_m, dtype=float) - z_ref_m)


@_method(
    "Expected number of hot days per year, Σ_m days_m · P(Tmax > threshold), with daily Tmax within "
    "month m assumed Normal(monthly mean Tmax, σ). Threshold 26 °C (MEE 2020 GEP guide; memory); "
    "σ = 3 °C is a design assumption (jiangxi-parameters §7). Ignores day-to-day autocorrelation and "
    "skewness of daily Tmax.",
    "年高温日数期望值 `Σ_m 天数_m · P(Tmax > 阈值)`，假定月内逐日最高气温服从正态分布"
    "（均值为月平均最高气温，标准差 σ）。阈值 26 °C（生态环境部 2020 GEP 指南；记忆值）；"
    "σ = 3 °C 为设计假定（`jiangxi-parameters.md` §7）。未考虑逐日最高气温的自相关与偏度。",
)
def hot_days_from_monthly_tmax(monthly_tmax_c, threshold_c=26.0, sigma_c=3.0, days_in_month=DAYS_IN_MONTH):
    """Days per year (d/a) with Tmax > ``threshold_c`` (°C) from monthly mean Tmax (°C), shape (12, …)."""
    if sigma_c <= 0:
        raise ValueError(f"sigma_c must be positive, got {sigma_c}")
    tmax = _monthly(monthly_tmax_c, 0)
    days = _monthly(days_in_month, tmax.ndim - 1)
    return np.sum(days * ndtr((tmax - threshold_c) / sigma_c), axis=0)


@_method(
    "Mean daily extraterrestrial radiation Ra for the mid-month day J = int(30.4·M − 15): "
    "Ra = (24·60/π)·G_sc·d_r·[ω_s·sinφ·sinδ + cosφ·cosδ·sinω_s], G_sc = 0.0820 MJ m⁻² min⁻¹, "
    "d_r = 1 + 0.033·cos(2πJ/365), δ = 0.409·sin(2πJ/365 − 1.39), ω_s = arccos(−tanφ·tanδ) "
    "(FAO-56, Allen et al. 1998, eqs. 21–25; memory, standard). Polar night gives 0.",
    "按月中日序 J = int(30.4·M − 15) 计算日均天文辐射 Ra："
    "Ra = (24·60/π)·G_sc·d_r·[ω_s·sinφ·sinδ + cosφ·cosδ·sinω_s]，G_sc = 0.0820 MJ m⁻² min⁻¹，"
    "d_r = 1 + 0.033·cos(2πJ/365)，δ = 0.409·sin(2πJ/365 − 1.39)，ω_s = arccos(−tanφ·tanδ)"
    "（FAO-56，Allen 等 1998，式 21–25；记忆值，标准公式）。极夜时为 0。",
)
def extraterrestrial_radiation_monthly(latitude_deg):
    """Ra (MJ m⁻² d⁻¹), shape (12, …), for latitude in degrees (north positive)."""
    phi = np.radians(np.asarray(latitude_deg, dtype=float))
    day = _monthly(np.floor(30.4 * np.arange(1, 13) - 15), phi.ndim)
    angle = 2 * np.pi * day / 365
    dr = 1 + 0.033 * np.cos(angle)
    delta = 0.409 * np.sin(angle - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1.0, 1.0))
    return (
        (24 * 60 / np.pi)
        * SOLAR_CONSTANT
        * dr
        * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    )


@_method(
    "Hargreaves reference evapotranspiration, PET = 0.0023·0.408·Ra·(T_mean + 17.8)·√(T_max − T_min), "
    "Ra converted from MJ m⁻² d⁻¹ to mm/d of evaporation by 0.408 (Hargreaves & Samani 1985; memory, "
    "standard). A negative diurnal range is treated as 0. Temperature-only: ignores humidity and wind.",
    "Hargreaves 参考蒸散：PET = 0.0023·0.408·Ra·(T_mean + 17.8)·√(T_max − T_min)，"
    "0.408 将 Ra 由 MJ m⁻² d⁻¹ 换算为蒸发水深 mm/d（Hargreaves & Samani 1985；记忆值，标准公式）。"
    "日较差为负时按 0 处理。仅用气温，不考虑湿度与风速。",
)
def hargreaves_pet(tmean_c, tmax_c, tmin_c, ra_mj):
    """PET (mm/d) from mean, max and min air temperature (°C) and Ra (MJ m⁻² d⁻¹)."""
    tmean, tmax, tmin, ra = (np.asarray(x, dtype=float) for x in (tmean_c, tmax_c, tmin_c, ra_mj))
    return 0.0023 * 0.408 * ra * (tmean + 17.8) * np.sqrt(np.maximum(tmax - tmin, 0.0))


@_method(
    "Annual PET is the sum over months of the Hargreaves daily PET (mid-month Ra from FAO-56) times "
    "the days in the month (non-leap year). Sources and confidence as for hargreaves_pet.",
    "年 PET 为各月 Hargreaves 日 PET（天文辐射取 FAO-56 月中值）乘以当月天数之和（平年）。"
    "来源与可信度同 hargreaves_pet。",
)
def annual_pet_hargreaves(monthly_tmean, monthly_tmax, monthly_tmin, latitude_deg):
    """Annual PET (mm/a) from monthly mean, max and min temperature (°C, shape (12, …)) and latitude (°)."""
    ra = extraterrestrial_radiation_monthly(latitude_deg)
    monthly = [np.asarray(x, dtype=float) for x in (monthly_tmean, monthly_tmax, monthly_tmin)]
    rest = max(x.ndim - 1 for x in [*monthly, ra])
    tmean, tmax, tmin, ra = (_monthly(x, rest) for x in [*monthly, ra])
    return np.sum(_monthly(DAYS_IN_MONTH, rest) * hargreaves_pet(tmean, tmax, tmin, ra), axis=0)


@_method(
    "Actual evapotranspiration from the Fu (1981) Budyko curve, ET = P·[1 + PET/P − (1 + (PET/P)^ω)^(1/ω)], "
    "computed in the equivalent form ET = P + PET − (P^ω + PET^ω)^(1/ω); P = 0 or PET = 0 gives 0 "
    "(Fu Baopu 1981, Scientia Atmospherica Sinica; memory, standard). ω ≈ 2.0 for the Poyang sub-basins, "
    "derived from the Gan basin water balance (ω 1.8–2.1; jiangxi-parameters §6). Long-term balance: "
    "ignores storage change.",
    "傅抱璞（1981）Budyko 型公式计算实际蒸散：ET = P·[1 + PET/P − (1 + (PET/P)^ω)^(1/ω)]，"
    "按等价形式 ET = P + PET − (P^ω + PET^ω)^(1/ω) 计算，P = 0 或 PET = 0 时 ET = 0"
    "（《大气科学》；记忆值，标准公式）。"
    "鄱阳湖各子流域取 ω ≈ 2.0，由赣江流域水量平衡推算（ω 1.8–2.1；`jiangxi-parameters.md` §6）。"
    "适用于多年平衡，不考虑蓄水变化。",
)
def fu_actual_et(p_mm, pet_mm, omega):
    """Actual ET (mm) from precipitation and PET (mm, same period) and the Fu parameter ω (> 1)."""
    p, pet = np.asarray(p_mm, dtype=float), np.asarray(pet_mm, dtype=float)
    et = p + pet - (p**omega + pet**omega) ** (1.0 / omega)
    return np.where((p == 0) | (pet == 0), 0.0, et)  # exact 0 where the power round trip leaves ~1e-12


@_method(
    "Fu ω solved with Brent's method on [1.0001, 20] so that fu_actual_et reproduces the observed basin "
    "evapotranspiration ET = P − runoff (water balance; derived). No solution exists when ET ≥ PET or "
    "ET ≥ P (the Budyko limits).",
    "在 [1.0001, 20] 区间用 Brent 法求解傅抱璞公式参数 ω，使 fu_actual_et 等于流域实测蒸散"
    "ET = P − 径流深（水量平衡；推算值）。ET ≥ PET 或 ET ≥ P（Budyko 限制）时无解。",
)
def fit_fu_omega(p_mm, et_mm, pet_mm):
    """ω (scalar) matching scalar P, ET and PET (mm/a); ValueError when no ω in [1.0001, 20] fits."""
    p, et, pet = float(p_mm), float(et_mm), float(pet_mm)
    if not (np.isfinite([p, et, pet]).all() and et > 0):
        raise ValueError(f"need finite P, PET and ET > 0 (P={p}, ET={et}, PET={pet})")
    if et >= pet or et >= p:
        raise ValueError(
            f"ET={et} mm must be below both PET={pet} mm and P={p} mm for a Fu ω to exist "
            "(check the runoff and PET inputs)"
        )
    low, high = 1.0001, 20.0
    if not fu_actual_et(p, pet, low) < et < fu_actual_et(p, pet, high):
        raise ValueError(f"ET={et} mm needs ω outside [{low}, {high}] (P={p} mm, PET={pet} mm)")
    return brentq(lambda w: fu_actual_et(p, pet, w) - et, low, high, xtol=1e-10)


@_method(
    "Annual rainfall erosivity from annual precipitation, R = a·P^b with a = 0.0534, b = 1.6548 "
    "(Zhang Wenbo & Fu Jinsheng 2003, Resources Science 25(1):35–41; coefficients: memory). The pack "
    "rescales it so its 1961–2014 basin mean equals 9 537.9 MJ·mm·ha⁻¹·h⁻¹·a⁻¹ (Ji & Zhang 2019, "
    "Yellow River 41(6); abstract). Ignores the seasonal distribution of rain intensity.",
    "由年降水量估算年降雨侵蚀力 R = a·P^b，a = 0.0534，b = 1.6548（章文波、付金生 2003，《资源科学》"
    "25(1):35–41；系数为记忆值）。数据包再按流域 1961–2014 年均值 9 537.9 MJ·mm·ha⁻¹·h⁻¹·a⁻¹ 缩放"
    "（姬志军、张连明 2019，《人民黄河》41(6)；摘要值）。未考虑雨强的季节分配。",
)
def rainfall_erosivity_annual(p_mm, a=0.0534, b=1.6548):
    """R (MJ·mm·ha⁻¹·h⁻¹·a⁻¹) from annual precipitation P ≥ 0 (mm/a)."""
    return a * np.asarray(p_mm, dtype=float) ** b


@_method(
    "Multiplies all values by one factor so that their (weighted) mean over the finite values equals a "
    "published target mean; the spatial or temporal pattern is kept (design).",
    "所有数值乘以同一系数，使其有效值的（加权）平均等于文献目标均值；保留原有的空间或时间格局（设计）。",
)
def rescale_to_mean(values, target_mean, weights=None):
    """``values`` scaled so that their NaN-skipping, optionally weighted mean is ``target_mean``."""
    values = np.asarray(values, dtype=float)
    weights = np.broadcast_to(np.asarray(1.0 if weights is None else weights, dtype=float), values.shape)
    valid = np.isfinite(values) & np.isfinite(weights)
    mean = np.sum(values[valid] * weights[valid]) / np.sum(weights[valid]) if valid.any() else np.nan
    if not np.isfinite(mean) or mean == 0:
        raise ValueError(f"cannot rescale: the current mean is {mean}")
    return values * (target_mean / mean)


@_method(
    "Fractional vegetation cover by the dimidiate pixel model, "
    "c = (NDVI − NDVI_soil)/(NDVI_veg − NDVI_soil), clipped to [0, 1] (standard practice; memory). "
    "Endmembers from ndvi_endmembers.",
    "像元二分模型计算植被覆盖度 c = (NDVI − NDVI_soil)/(NDVI_veg − NDVI_soil)，截断到 [0, 1]"
    "（通行做法；记忆值）。端元取自 ndvi_endmembers。",
)
def fractional_vegetation_cover(ndvi, ndvi_soil, ndvi_veg):
    """Vegetation cover fraction (0–1) from NDVI (–) and the bare-soil and full-cover NDVI endmembers (–)."""
    if np.any(np.asarray(ndvi_veg) <= np.asarray(ndvi_soil)):
        raise ValueError(f"ndvi_veg ({ndvi_veg}) must exceed ndvi_soil ({ndvi_soil})")
    return np.clip((np.asarray(ndvi, dtype=float) - ndvi_soil) / (ndvi_veg - ndvi_soil), 0.0, 1.0)


@_method(
    "NDVI endmembers taken at the 5 % (bare soil) and 95 % (full cover) cumulative frequencies of the "
    "scene, NaN ignored (standard practice; memory; jiangxi-parameters §3).",
    "取影像 NDVI 累积频率 5 %（裸土）与 95 %（全覆盖）处的值为端元，忽略空值 `NaN`（通行做法；记忆值；"
    "`jiangxi-parameters.md` §3）。",
)
def ndvi_endmembers(ndvi, low=5.0, high=95.0):
    """(NDVI_soil, NDVI_veg) as the ``low`` and ``high`` percentiles (%) of the finite NDVI values."""
    ndvi = np.asarray(ndvi, dtype=float)
    if not np.isfinite(ndvi).any():
        raise ValueError("ndvi has no finite values")
    soil, veg = np.nanpercentile(ndvi, [low, high])
    return float(soil), float(veg)


@_method(
    "RUSLE cover-management factor from vegetation cover c (%): C = 1 at c = 0; "
    "C = 0.6508 − 0.3436·log10(c) for 0 < c < 78.3 %; C = 0 at c ≥ 78.3 % (Cai Chongfa et al. 2000, "
    "J. Soil and Water Conservation 14(2):19–24; coefficients: memory). Capped at 1 for c < 0.1 %. "
    "Derived from Hubei plots; poor for cropland, where crop C values are used instead.",
    "由植被覆盖度 c（%）计算 RUSLE 覆盖与管理因子：c = 0 时 C = 1；0 < c < 78.3 % 时 "
    "C = 0.6508 − 0.3436·log10(c)；c ≥ 78.3 % 时 C = 0（蔡崇法等 2000，《水土保持学报》14(2):19–24；"
    "系数为记忆值）。c < 0.1 % 时 C 上限取 1。公式来自湖北小流域径流小区，不适用于耕地，耕地改用作物 C 值。",
)
def cover_management_cai2000(fvc):
    """C factor (–) from vegetation cover as a fraction (0–1)."""
    percent = np.asarray(fvc, dtype=float) * 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.minimum(0.6508 - 0.3436 * np.log10(percent), 1.0)
    return np.where(percent <= 0, 1.0, np.where(percent >= CAI_FULL_COVER_PERCENT, 0.0, c))


@_method(
    "Climate-potential NPP by the Miami model: NPP_T = 3000/(1 + exp(1.315 − 0.119·T)), "
    "NPP_P = 3000·(1 − exp(−0.000664·P)), NPP = min(NPP_T, NPP_P) (Lieth 1975; memory, standard). "
    "Potential, not actual, NPP: scale by vegetation cover or use CASA for actual values.",
    "Miami 模型计算气候潜在 NPP：`NPP_T = 3000/(1 + exp(1.315 − 0.119·T))`，"
    "`NPP_P = 3000·(1 − exp(−0.000664·P))`，`NPP = min(NPP_T, NPP_P)`（Lieth 1975；记忆值，标准公式）。"
    "结果为潜在 NPP，实际 NPP 需按植被覆盖度缩放或采用 CASA 模型。",
)
def miami_npp(t_c, p_mm):
    """Potential NPP (g dry matter m⁻² a⁻¹) from annual mean temperature (°C) and precipitation (mm/a)."""
    npp_t = 3000.0 / (1.0 + np.exp(1.315 - 0.119 * np.asarray(t_c, dtype=float)))
    npp_p = 3000.0 * (1.0 - np.exp(-0.000664 * np.asarray(p_mm, dtype=float)))
    return np.minimum(npp_t, npp_p)


@_method(
    "Carbon mass = dry matter × carbon fraction, default 0.45 (common convention; memory; the value used "
    "in the jiangxi-parameters §8 check).",
    "碳量 = 干物质 × 含碳率，默认 0.45（通行取值；记忆值；与 `jiangxi-parameters.md` §8 校核所用值一致）。",
)
def dry_matter_to_carbon(dm, carbon_fraction=0.45):
    """Carbon (g C) from dry matter (g DM); works per area too (g m⁻² a⁻¹ in, gC m⁻² a⁻¹ out)."""
    return np.asarray(dm, dtype=float) * carbon_fraction


@_method(
    "Annual soil heterotrophic respiration as the sum of the monthly Pei et al. (2010) model, "
    "Σ 0.22·[exp(0.0912·T_m) + ln(0.3145·P_m + 1)]·30·0.465 (coefficients: memory). Applied per month "
    "because annual T and P give an unrealistic ≈35 gC; Nanchang normals give ≈380 gC m⁻² a⁻¹ "
    "(jiangxi-parameters §8; derived).",
    "年土壤异养呼吸为裴志永等（2010）月模型逐月之和："
    "`Σ 0.22·[exp(0.0912·T_m) + ln(0.3145·P_m + 1)]·30·0.465`（系数为记忆值）。按月计算，"
    "因为代入年均温和年降水仅得约 35 gC，不合理；南昌气候平均值约得 380 gC m⁻² a⁻¹"
    "（`jiangxi-parameters.md` §8；推算值）。",
)
def heterotrophic_respiration_annual(monthly_t_c, monthly_p_mm):
    """R_h (gC m⁻² a⁻¹) from monthly mean temperature (°C) and precipitation (mm), shape (12, …)."""
    monthly = heterotrophic_respiration_monthly(_monthly(monthly_t_c, 0), _monthly(monthly_p_mm, 0))
    return np.sum(monthly, axis=0)


@_method(
    "Splits an annual total into months in proportion to the monthly climate normals, "
    "x_m = annual · N_m / Σ N (design); keeps the normal seasonal cycle, so a year's anomalies in timing "
    "are lost. Months are undefined (NaN) where the normals sum to 0.",
    "按多年月平均值的比例把年总量分配到各月：`x_m = 年值 · N_m / Σ N`（设计）；保留多年平均季节变化，"
    "当年的时间分配异常不予体现。月平均值之和为 0 处结果为空值 `NaN`。",
)
def distribute_annual_by_normals(annual, monthly_normals):
    """Monthly values, shape (12, …), of ``annual`` split by the shares of ``monthly_normals`` (12, …)."""
    annual = np.asarray(annual, dtype=float)
    normals = _monthly(monthly_normals, annual.ndim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return annual * (normals / np.sum(normals, axis=0))


@_method(
    "Transpiration = ET × T/ET, with the global T/ET ratio 0.61 ± 0.15 (Schlesinger & Jasechko 2014, "
    "Agricultural and Forest Meteorology 189–190:115–117; memory). Applied to vegetated cells only (the "
    "caller masks); ignores differences in canopy interception and soil evaporation among cover types.",
    "蒸腾量 = ET × T/ET，全球 T/ET 比值取 0.61 ± 0.15（Schlesinger & Jasechko 2014，"
    "Agricultural and Forest Meteorology 189–190:115–117；记忆值）。仅用于有植被像元（由调用方掩膜）；"
    "未考虑不同覆被类型间冠层截留与土壤蒸发的差异。",
)
def transpiration_from_et(et_mm, ratio=0.61):
    """Transpiration (mm, same period as ``et_mm``) from actual ET (mm) and the T/ET ratio (0–1)."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"T/ET ratio must be within [0, 1], got {ratio}")
    return np.asarray(et_mm, dtype=float) * ratio


@_method(
    "Inverse-distance weighting (Shepard 1968; memory, standard): each target value is "
    "Σ w_i·v_i / Σ w_i over all known points, w_i = 1/d_i^p with p = 2 and d the planar distance in "
    "the accounting (equal-area) projection; a target on a known point takes that point's value. "
    "Exact at the points, bounded by their minimum and maximum, no trend or elevation term of its own.",
    "反距离加权插值（Shepard 1968；记忆值，标准方法）：目标值 = Σ w_i·v_i / Σ w_i，遍及全部已知点，"
    "w_i = 1/d_i^p，p = 2，d 为核算（等积）投影平面上的距离；目标与已知点重合时取该点之值。"
    "在已知点处精确，结果不超出已知值的最小、最大值，本身不含趋势或高程项。",
)
def idw_interpolate(known_x_m, known_y_m, known_values, target_x_m, target_y_m, power=2.0):
    """Values at targets from values at known points, by inverse-distance weighting.

    Coordinates in metres on a plane: ``known_*`` shape (n,), ``target_*`` any shape T.
    ``known_values`` shape (…, n), any unit; returns shape (…, *T) in the same unit. Known points
    with a NaN value are left out of every target's weights.
    """
    known_x, known_y = np.asarray(known_x_m, dtype=float), np.asarray(known_y_m, dtype=float)
    values = np.asarray(known_values, dtype=float)
    if values.shape[-1:] != known_x.shape or known_x.shape != known_y.shape or known_x.ndim != 1:
        raise ValueError(f"known values {values.shape} must end with the {known_x.shape} known points")
    target_x, target_y = np.broadcast_arrays(np.asarray(target_x_m, dtype=float),
                                             np.asarray(target_y_m, dtype=float))
    usable = np.isfinite(values).all(axis=tuple(range(values.ndim - 1)))
    distance = np.hypot(target_x[..., None] - known_x[usable], target_y[..., None] - known_y[usable])
    with np.errstate(divide="ignore"):
        weights = distance ** -float(power)
    # a target on a known point: that point alone (its weight would be infinite)
    on_point = distance == 0
    weights = np.where(on_point.any(axis=-1, keepdims=True), on_point.astype(float), weights)
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.tensordot(values[..., usable], weights, axes=([-1], [-1]))


@_method(
    "Station temperatures spread over the grid by elevation-detrended interpolation: each station's "
    "monthly value is reduced to sea level with the constant lapse rate (T₀ = T + Γ·z_ref, "
    "Γ = 0.006 °C/m as in lapse_rate_temperature), the sea-level values are interpolated to every "
    "cell by idw_interpolate (power 2, all stations), and brought back to the cell's DEM elevation "
    "(T = T₀ − Γ·z). Keeps the latitude and coast-to-inland gradients between stations and the "
    "elevation effect within them (design, standard practice).",
    "站点气温经高程去趋势插值铺到网格：各站逐月值按恒定垂直递减率订正到海平面（T₀ = T + Γ·z_ref，"
    "Γ = 0.006 °C/m，同 lapse_rate_temperature），海平面值用 idw_interpolate（幂 2，全部站点）插值到每个"
    "网格，再按网格 DEM 高程订正回去（T = T₀ − Γ·z）。保留站间的纬度与海陆梯度及站内的高程效应"
    "（设计，通行做法）。",
)
def lapse_rate_idw(station_t_c, station_z_m, station_x_m, station_y_m, target_x_m, target_y_m,
                   target_z_m, lapse_c_per_m=0.006, power=2.0):
    """Temperature (°C) at targets from station temperatures (°C, shape (…, n)).

    ``station_z_m`` (m, shape (n,)) is the elevation the station values stand for; coordinates in
    metres on a plane; ``target_*`` share a shape T, elevation in m. Returns shape (…, *T).
    """
    sea_level = lapse_rate_temperature(station_t_c, station_z_m, 0.0, lapse_c_per_m)
    field = idw_interpolate(station_x_m, station_y_m, sea_level, target_x_m, target_y_m, power)
    return lapse_rate_temperature(field, 0.0, target_z_m, lapse_c_per_m)


@_method(
    "Bilinear interpolation between the four surrounding nodes of a regular latitude–longitude grid "
    "(standard); points beyond the outermost nodes take the value at the nearest edge (no "
    "extrapolation).",
    "在规则经纬网格上用周围四个节点双线性插值（标准方法）；超出最外节点的点取最近边缘的值（不外推）。",
)
def bilinear_at_points(node_lat_deg, node_lon_deg, node_values, lat_deg, lon_deg):
    """Values at points (lat, lon in degrees, shape T) from a grid ``node_values`` (…, n_lat, n_lon).

    Node coordinates strictly ascending, in degrees; returns shape (…, *T) in the unit of the nodes.
    """
    node_lat, node_lon = np.asarray(node_lat_deg, dtype=float), np.asarray(node_lon_deg, dtype=float)
    values = np.asarray(node_values, dtype=float)
    lat, lon = np.broadcast_arrays(np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float))
    points = np.stack([np.clip(lat, node_lat[0], node_lat[-1]),
                       np.clip(lon, node_lon[0], node_lon[-1])], axis=-1)
    interpolator = RegularGridInterpolator((node_lat, node_lon), np.moveaxis(values, (-2, -1), (0, 1)))
    return np.moveaxis(interpolator(points), tuple(range(lat.ndim)), tuple(range(-lat.ndim, 0)))


@_method(
    "A spatial pattern scaled zone by zone, factor_k = target_k / mean(pattern over zone k), so that "
    "each zone's cell mean equals its target exactly while the pattern's relative variation inside "
    "the zone is kept; cells outside every zone take the factor of an assigned (nearest) zone (design).",
    "按区分别缩放空间格局：`系数_k = 目标_k / 区 k 内格局均值`，使各区网格均值严格等于目标值，"
    "区内相对空间变化保持不变；各区以外的网格取指定（最近）区的系数（设计）。",
)
def scale_pattern_to_zone_means(pattern, zones, zone_targets, factor_zones=None):
    """(field, factors): ``pattern`` scaled so its mean over the cells labelled k equals zone_targets[k−1].

    ``zones``: int labels, 1…n for the zones, 0 for none; ``zone_targets`` (n,) in the unit of the
    result; ``factor_zones`` (default ``zones``): the zone whose factor each cell takes (0 → NaN).
    The pattern's unit cancels; factors are dimensionless, shape (n,).
    """
    pattern = np.asarray(pattern, dtype=float)
    zones = np.asarray(zones)
    targets = np.asarray(zone_targets, dtype=float)
    factors = np.empty(targets.shape)
    for label, target in enumerate(targets, start=1):
        cells = pattern[(zones == label) & np.isfinite(pattern)]
        mean = cells.mean() if cells.size else np.nan
        if not np.isfinite(mean) or mean == 0:
            raise ValueError(f"zone {label}: cannot scale a pattern whose mean is {mean}")
        factors[label - 1] = target / mean
    lookup = np.concatenate([[np.nan], factors])
    factor_zones = zones if factor_zones is None else np.asarray(factor_zones)
    return pattern * lookup[factor_zones], factors
