// Draw a valuation site on a map: each click adds a corner; with three or more corners the
// polygon is put into the form's file input as a GeoJSON file, so the server receives exactly
// what an uploaded file would give it (one code path, one validation).
import L from "leaflet";

const JIANGXI = [27.6, 115.9];

export function initSiteDraw() {
  const host = document.getElementById("site-draw-map");
  const input = document.getElementById("vep-site");
  const status = document.getElementById("site-draw-status");
  const clear = document.getElementById("site-draw-clear");
  if (!host || !input || typeof DataTransfer === "undefined") return;
  const map = L.map(host, { attributionControl: false, doubleClickZoom: false }).setView(JIANGXI, 7);
  fetch("/api/v1/units.geojson?level=county")
    .then((r) => (r.ok ? r.json() : null))
    .then((shapes) => {
      if (!shapes || !shapes.features.length) return;
      const outline = L.geoJSON(shapes, {
        style: { color: "#5b6b7a", weight: 0.7, fill: false }, interactive: false,
      }).addTo(map);
      map.fitBounds(outline.getBounds());
    })
    .catch(() => {});

  const corners = [];
  let drawn = null;

  function sync() {
    if (drawn) drawn.remove();
    drawn = corners.length >= 3
      ? L.polygon(corners, { color: "#b45309", weight: 2 }).addTo(map)
      : L.polyline(corners, { color: "#b45309", weight: 2, dashArray: "4 4" }).addTo(map);
    status.textContent = (status.dataset.template || "{n}").replace("{n}", String(corners.length));
    const files = new DataTransfer();
    if (corners.length >= 3) {
      const ring = [...corners, corners[0]].map(([lat, lng]) => [lng, lat]);
      const site = { type: "Feature", properties: { drawn: true },
        geometry: { type: "Polygon", coordinates: [ring] } };
      files.items.add(new File([JSON.stringify(site)], "drawn-site.geojson", { type: "application/geo+json" }));
    }
    input.files = files.files;
  }

  map.on("click", (event) => {
    corners.push([event.latlng.lat, event.latlng.lng]);
    sync();
  });
  if (clear) clear.addEventListener("click", () => { corners.length = 0; sync(); });
}
