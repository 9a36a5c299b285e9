// The language switch keeps the page's other query parameters (year, measure, …).
export function syncLanguageLinks() {
  const here = new URLSearchParams(window.location.search);
  here.delete("lang");
  for (const a of document.querySelectorAll("a[data-lang-switch]")) {
    const q = new URLSearchParams(here);
    q.set("lang", a.dataset.langSwitch);
    a.setAttribute("href", `${window.location.pathname}?${q}`);
  }
}
