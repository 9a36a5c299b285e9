// The GEP map: one SVG polygon per unit, coloured by quantile class of the chosen measure.
// No tile layer (the platform runs without internet); an optional hillshade image lies beneath.
import L from "leaflet";
import { t, lang } from "./i18n.js";
import { classOf, palette, quantileBreaks } from "./classes.js";
import { formatScaled, isMissing, scaleFor } from "./format.js";
import { syncLanguageLinks } from "./query.js";

const HATCH_ID = "ecoledger-missing-hatch";
const JIANGXI = [27.3, 115.9];

function ensureHatchPattern() {
  if (document.getElementById(HATCH_ID)) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.setAttribute("aria-hidden", "true");
  svg.style.position = "absolute";
  svg.innerHTML =
    `<defs><pattern id="${HATCH_ID}" patternUnits="userSpaceOnUse" width="6" height="6"` +
    ` patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff1"/>` +
    `<line x1="0" y1="0" x2="0" y2="6" stroke="#9aa5ae" stroke-width="2"/></pattern></defs>`;
  document.body.appendChild(svg);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function nameOf(props) {
  const name = lang() === "en" ? props.name_en || props.name_zh : props.name_zh || props.name_en;
  return name || props.code;
}

function unitHref(code, year) {
  return `/units/${encodeURIComponent(code)}` + (year ? `?year=${encodeURIComponent(year)}` : "");
}

function renderLegend(box, { breaks, colours, scale, counts, missing, measureLabel }) {
  box.replaceChildren();
  box.append(el("p", { class: "legend-title" }, measureLabel, scale.label ? ` (${scale.label})` : ""));
  const list = el("ul", { class: "legend-list" });
  let lower = breaks.min;
  breaks.uppers.forEach((upper, i) => {
    const range =
      lower === upper ? formatScaled(upper, scale) : `${formatScaled(lower, scale)} – ${formatScaled(upper, scale)}`;
    list.append(
      el("li", { class: "legend-row", "data-class": String(i) },
        el("span", { class: "swatch", style: `background:${colours[i]}` }),
        el("span", { class: "legend-range" }, range),
        el("span", { class: "legend-count" }, String(counts[i]))),
    );
    lower = upper;
  });
  if (missing > 0 || !breaks.uppers.length) {
    list.append(
      el("li", { class: "legend-row legend-missing", "data-class": "missing" },
        el("span", { class: "swatch swatch-missing" }),
        el("span", { class: "legend-range" }, t("map.missing")),
        el("span", { class: "legend-count" }, String(missing))),
    );
  }
  box.append(list);
  if (!breaks.uppers.length) box.append(el("p", { class: "hint" }, t("map.no_values")));
}

function renderRanking(list, features, scale, year) {
  if (!list) return;
  list.replaceChildren();
  const ranked = features
    .filter((f) => !isMissing(f.properties.value))
    .sort((a, b) => b.properties.value - a.properties.value)
    .slice(0, 10);
  for (const f of ranked) {
    const p = f.properties;
    list.append(
      el("li", {},
        el("a", { href: unitHref(p.code, year) }, nameOf(p)),
        el("span", { class: "rank-value num" }, formatScaled(p.value, scale))),
    );
  }
}

async function addHillshade(map) {
  try {
    const r = await fetch("/api/v1/hillshade", { headers: { Accept: "application/json" } });
    if (!r.ok) return;
    const info = await r.json();
    if (!info || !info.url || !Array.isArray(info.bounds)) return;
    L.imageOverlay(info.url, info.bounds, {
      pane: "hillshade", opacity: 0.55, interactive: false, className: "hillshade",
    }).addTo(map);
  } catch (err) {
    /* no hillshade: the map works without it */
  }
}

export function initMap() {
  const box = document.getElementById("map");
  if (!box) return;
  const selects = ["year", "measure", "level"].map((id) => document.getElementById(id));
  const [yearSel, measureSel, levelSel] = selects;
  const status = document.getElementById("map-status");
  const legend = document.getElementById("legend");
  const ranking = document.getElementById("ranking");

  // The URL's query chooses the selection (a shared link shows the same map).
  const params = new URLSearchParams(window.location.search);
  for (const sel of selects) {
    if (!sel) continue;
    const wanted = params.get(sel.id);
    if (wanted && [...sel.options].some((o) => o.value === wanted)) sel.value = wanted;
  }

  ensureHatchPattern();
  const map = L.map(box, {
    renderer: L.svg({ padding: 0.5 }),
    preferCanvas: false,
    attributionControl: false,
    zoomSnap: 0.25,
    minZoom: 4,
    maxZoom: 13,
  }).setView(JIANGXI, 7);
  map.createPane("hillshade");
  map.getPane("hillshade").style.zIndex = "250";
  map.getPane("hillshade").style.pointerEvents = "none";
  addHillshade(map);

  let layer = null;
  let controller = null;
  let fitted = null; // the level and year the view was last fitted to

  const setStatus = (msg, kind = "") => {
    if (!status) return;
    status.textContent = msg;
    status.className = `map-status${kind ? ` map-status-${kind}` : ""}`;
    status.hidden = !msg;
  };

  async function refresh() {
    const year = yearSel ? yearSel.value : "";
    const measure = measureSel ? measureSel.value : "gep";
    const level = levelSel ? levelSel.value : "county";
    if (!year) return;
    if (controller) controller.abort();
    controller = new AbortController();
    box.setAttribute("aria-busy", "true");
    setStatus(t("common.loading"));
    let data;
    try {
      const q = new URLSearchParams({ year, level, measure });
      const r = await fetch(`/api/v1/map?${q}`, {
        headers: { Accept: "application/geo+json, application/json" },
        signal: controller.signal,
      });
      if (r.status === 404) data = { type: "FeatureCollection", features: [] };
      else if (!r.ok) throw new Error(`HTTP ${r.status}`);
      else data = await r.json();
    } catch (err) {
      if (err.name === "AbortError") return;
      box.removeAttribute("aria-busy");
      setStatus(t("map.load_failed"), "error");
      return;
    }
    box.removeAttribute("aria-busy");
    const features = (data && data.features) || [];
    if (layer) {
      map.removeLayer(layer);
      layer = null;
    }
    const unit = (features.find((f) => f.properties && f.properties.unit) || { properties: {} }).properties.unit;
    const scale = scaleFor(unit);
    const values = features.map((f) => f.properties.value).filter((v) => !isMissing(v));
    const breaks = quantileBreaks(values, 5);
    const colours = palette(breaks.uppers.length);
    const counts = breaks.uppers.map(() => 0);
    let missing = 0;
    for (const f of features) {
      const c = classOf(isMissing(f.properties.value) ? NaN : f.properties.value, breaks.uppers);
      f.properties.__class = c;
      if (c < 0) missing += 1;
      else counts[c] += 1;
    }
    const measureLabel = measureSel ? measureSel.options[measureSel.selectedIndex].text : "";
    if (legend) renderLegend(legend, { breaks, colours, scale, counts, missing, measureLabel });
    renderRanking(ranking, features, scale, year);
    if (!features.length) {
      setStatus(t("map.no_data"), "empty");
      return;
    }
    setStatus("");

    layer = L.geoJSON(data, {
      style: (f) => {
        const c = f.properties.__class;
        return {
          className: `unit unit-${f.properties.code}${c < 0 ? " unit-missing" : ""}`,
          color: "#ffffff",
          weight: level === "city" ? 1.4 : 0.8,
          fillColor: c < 0 ? `url(#${HATCH_ID})` : colours[c],
          fillOpacity: c < 0 ? 1 : 0.88,
          opacity: 1,
        };
      },
      onEachFeature: (f, lyr) => {
        const p = f.properties;
        const tip = document.createElement("div");
        tip.append(el("strong", {}, nameOf(p)));
        tip.append(el("br"));
        const value = isMissing(p.value)
          ? t("map.missing")
          : `${formatScaled(p.value, scale)}${scale.label ? ` ${scale.label}` : ""}`;
        tip.append(el("span", { class: isMissing(p.value) ? "missing" : "num" }, value));
        if (p.data_status && p.data_status !== "measured" && !isMissing(p.value)) {
          tip.append(el("br"), el("span", { class: "tip-status" }, t(`data_status.${p.data_status}`)));
        }
        lyr.bindTooltip(tip, { sticky: true, direction: "top", className: "unit-tooltip", opacity: 1 });
        lyr.on({
          mouseover: () => {
            lyr.setStyle({ weight: 2.5, color: "#1d2733" });
            lyr.bringToFront();
          },
          mouseout: () => layer && layer.resetStyle(lyr),
          click: () => {
            window.location.href = unitHref(p.code, year);
          },
        });
      },
    }).addTo(map);
    // Leaflet applies className when it creates a path; add it again in case a path existed before.
    layer.eachLayer((lyr) => {
      const node = lyr.getElement && lyr.getElement();
      if (node) node.classList.add(`unit-${lyr.feature.properties.code}`);
    });
    const key = `${level}|${year}`;
    if (fitted !== key) {
      const bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
      fitted = key;
    }
  }

  for (const sel of selects) {
    if (!sel) continue;
    sel.addEventListener("change", () => {
      const q = new URLSearchParams(window.location.search);
      for (const s of selects) if (s && s.value) q.set(s.id, s.value);
      window.history.replaceState(null, "", `${window.location.pathname}?${q}`);
      syncLanguageLinks();
      refresh();
    });
  }
  refresh();
}
