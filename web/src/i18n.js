// The page's words for scripts: base.html writes them, already in the page language, into
// <script type="application/json" id="i18n-data">.
let text = null;

function load() {
  if (text) return text;
  const el = document.getElementById("i18n-data");
  try {
    text = el ? JSON.parse(el.textContent) : {};
  } catch (err) {
    text = {};
  }
  return text;
}

/** The text of `key` with {fields} filled in; the key itself when unknown. */
export function t(key, fields) {
  let s = load()[key];
  if (s === undefined) s = key;
  if (fields) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in fields ? String(fields[k]) : m));
  return s;
}

export function lang() {
  return document.documentElement.dataset.lang === "en" ? "en" : "zh";
}
