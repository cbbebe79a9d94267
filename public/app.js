// Progressive enhancement only: every page works without this file.
// No inline handlers: the CSP allows scripts from this origin only, and htmx runs without eval.

// Copy and print buttons stay hidden without JavaScript, where they could not work.
function showCopyButtons(root) {
  for (const button of root.querySelectorAll("button[data-copy], button[data-print]")) button.hidden = false;
}

// Times come in UTC, readable without JavaScript; with it, they read in the visitor's own zone.
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
function localizeTimes(root) {
  for (const time of root.querySelectorAll("time[datetime]"))
    time.textContent = localTime.format(new Date(time.dateTime));
}

function enhance(root) {
  showCopyButtons(root);
  localizeTimes(root);
}

document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:load", (event) => enhance(event.target));

document.addEventListener("click", async (event) => {
  if (event.target instanceof Element && event.target.closest("button[data-print]")) return window.print();
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed: select the key";
  }
});

// While a form's request is in flight, its button shows Pico's spinner (htmx also disables it).
document.addEventListener("htmx:beforeRequest", (event) => {
  for (const button of event.target.querySelectorAll?.("button[type=submit]") ?? [])
    button.setAttribute("aria-busy", "true");
});
document.addEventListener("htmx:afterRequest", (event) => {
  for (const button of event.target.querySelectorAll?.("button[type=submit]") ?? [])
    button.removeAttribute("aria-busy");
});

// After a swap, the focused element is gone and the focus falls to <body>. Move it to where the
// new content starts: the field marked autofocus (the first one to fill, or the one in error),
// or else the heading, so keyboard and screen-reader users carry on from there.
document.addEventListener("htmx:afterSettle", (event) => {
  if (document.activeElement && document.activeElement !== document.body) return;
  const root =
    event.target instanceof Element && event.target.isConnected ? event.target : document.getElementById("main");
  const target = root?.querySelector("[autofocus]") ?? root?.querySelector("h1, h2");
  if (!target) return;
  if (!target.matches("input, textarea, select, button, a[href]")) target.setAttribute("tabindex", "-1");
  target.focus();
});
