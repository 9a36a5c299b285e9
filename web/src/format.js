// Number formats shared by the map's legend, tooltips and ranking.
import { t, lang } from "./i18n.js";

const locale = () => (lang() === "en" ? "en-US" : "zh-CN");

/** How to show a measure's values: money in 亿元, per-area values in 万元/km². */
export function scaleFor(unit) {
  switch (unit) {
    case "元":
    case "yuan":
      return { factor: 1e8, label: t("measure_unit.yi_yuan") };
    case "元/km²":
    case "元/km2":
    case "yuan/km2":
      return { factor: 1e4, label: t("measure_unit.wan_yuan_per_km2") };
    case "元/元":
    case "yuan/yuan":
      return { factor: 1, label: t("measure_unit.yuan_per_yuan") };
    default:
      return { factor: 1, label: unit || "" };
  }
}

export function isMissing(v) {
  return v === null || v === undefined || typeof v !== "number" || !Number.isFinite(v);
}

/** 2 decimals with separators from 1 up ("1,234.57"), 3 significant digits below ("0.00312"). */
export function formatNumber(x) {
  if (isMissing(x)) return t("common.missing");
  if (x === 0) return "0";
  if (Math.abs(x) >= 1) {
    return x.toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  return x.toLocaleString(locale(), { maximumSignificantDigits: 3 });
}

export function formatScaled(v, scale) {
  return isMissing(v) ? t("common.missing") : formatNumber(v / scale.factor);
}
