// One bundle for every page: each part starts only where its elements are on the page.
import "leaflet/dist/leaflet.css";
import L from "leaflet";
import { t } from "./i18n.js";
import "./app.css";
import { initMap } from "./map.js";
import { initRuns } from "./runs.js";
import { initParameterFilter } from "./parameters.js";
import { initUploadForm } from "./forms.js";
import { syncLanguageLinks } from "./query.js";
import { initSiteDraw } from "./site-draw.js";

function start() {
  // Leaflet's zoom buttons say "Zoom in"/"Zoom out" unless told otherwise: in the page's language
  L.Control.Zoom.mergeOptions({ zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") });
  syncLanguageLinks();
  initParameterFilter();
  initUploadForm();
  initRuns();
  initMap();
  initSiteDraw();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
