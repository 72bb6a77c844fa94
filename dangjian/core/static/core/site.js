// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const confirmTarget = event.target.closest("[data-confirm]");
  if (confirmTarget && !window.confirm(confirmTarget.dataset.confirm)) {
    event.preventDefault();
  }
});
// Disable a submit button once its form is sent, so a double click submits once (the one pressed,
// where a form has several: 登记出席's 全部出席 and 保存).
document.addEventListener("submit", (event) => {
  const button = event.submitter || event.target.querySelector("button[type=submit], button:not([type])");
  if (button) {
    setTimeout(() => { button.disabled = true; }, 0);
  }
});
// The org tree's caret flips and its children (hidden until the first click, when htmx loads them) show or hide.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-tree-toggle]");
  if (!toggle) { return; }
  toggle.querySelector("i").classList.toggle("bi-caret-right-fill");
  toggle.querySelector("i").classList.toggle("bi-caret-down-fill");
  toggle.parentElement.querySelector("ul").classList.toggle("d-none");
});
// Print links on ledgers and other paper pages.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
});
// A form part shown only for one choice of a select: <select data-shows="reduced:[data-waiver-amount]">
// (the 少交 amount for a dues waiver; the case and months of a meeting's decision). Without script
// every part stays visible and the server checks what applies.
function applyShows(select) {
  const form = select.closest("form");
  for (const rule of select.dataset.shows.split(";")) {
    const [values, selector] = rule.split(":");
    form.querySelectorAll(selector).forEach((part) => {
      part.hidden = !values.split(",").includes(select.value);
    });
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-shows]")) { applyShows(event.target); }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-shows]").forEach(applyShows);
});
// 登记出席: the tally and 全部出席's "其余N人" follow the marks as they are tapped (the server counts
// again when the form is sent; without script the numbers are those of the page as it was drawn).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-attendance]");
  if (!form || !event.target.matches(".btn-check")) { return; }
  const counts = { present: 0, leave: 0, absent: 0, unmarked: 0 };
  form.querySelectorAll(".attendance-row").forEach((row) => {
    const checked = row.querySelector(".btn-check:checked");
    counts[checked ? checked.value : "unmarked"] += 1;
  });
  form.querySelectorAll("[data-count]").forEach((part) => { part.textContent = counts[part.dataset.count]; });
});
