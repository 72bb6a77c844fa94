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
// The one picker (core/_picker.html): a chosen value clears the list and the search box (a single
// pick replaces the chip server-side; a multiple one drops a repeated chip), × removes a chip, the
// arrow keys walk the list, Escape closes it, and a filter's picker submits its form on a choice.
document.addEventListener("htmx:afterSwap", (event) => {
  const chosen = event.detail.target;
  if (!chosen.classList || !chosen.classList.contains("picker-chosen")) { return; }
  const picker = chosen.closest("[data-picker]");
  const seen = new Set();
  chosen.querySelectorAll(".picker-chip").forEach((chip) => {
    if (seen.has(chip.dataset.value)) { chip.remove(); } else { seen.add(chip.dataset.value); }
  });
  picker.querySelector(".picker-list").innerHTML = "";
  const box = picker.querySelector("input[type=search]");
  box.value = "";
  if (picker.hasAttribute("data-picker-submit")) {
    const form = picker.closest("form");
    if (form) { form.requestSubmit(); return; }
  }
  box.focus();
});
document.addEventListener("click", (event) => {
  const remove = event.target.closest("[data-picker-remove]");
  if (remove) {
    const picker = remove.closest("[data-picker]");
    remove.closest(".picker-chip").remove();
    if (picker && picker.hasAttribute("data-picker-submit") && picker.closest("form")) {
      picker.closest("form").requestSubmit();
    }
    return;
  }
  document.querySelectorAll(".picker-list").forEach((list) => {
    if (!list.closest("[data-picker]").contains(event.target)) { list.innerHTML = ""; }
  });
});
document.addEventListener("keydown", (event) => {
  const picker = event.target.closest && event.target.closest("[data-picker]");
  if (!picker) { return; }
  const options = [...picker.querySelectorAll("[data-picker-option]")];
  const at = options.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && options.length) {
    event.preventDefault();
    options[Math.min(at + 1, options.length - 1)].focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    event.preventDefault();
    (at === 0 ? picker.querySelector("input[type=search]") : options[at - 1]).focus();
  } else if (event.key === "Escape") {
    picker.querySelector(".picker-list").innerHTML = "";
  } else if (event.key === "Enter" && event.target.matches("input[type=search]") && options.length) {
    event.preventDefault();
    options[0].click();
  }
});
// A table wider than its column (a person's facts, a user's grants, a roster on a phone) scrolls in its
// own box instead of pushing the whole page sideways. Only tables that overflow are wrapped, so a
// picker's list inside a table that fits is never clipped by the scroll box.
function wrapWideTables(root) {
  root.querySelectorAll("table").forEach((table) => {
    const parent = table.parentElement;
    if (!parent || parent.classList.contains("table-responsive") || table.closest(".table-responsive")) { return; }
    const style = getComputedStyle(parent);
    const room = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (table.getBoundingClientRect().width <= room + 1) { return; }
    const box = document.createElement("div");
    box.className = "table-responsive";
    parent.insertBefore(box, table);
    box.appendChild(table);
  });
}
// Again once fonts and images are in (a CJK font widens a table after DOMContentLoaded) and when a
// phone turns.
document.addEventListener("DOMContentLoaded", () => { wrapWideTables(document); });
window.addEventListener("load", () => { wrapWideTables(document); });
window.addEventListener("resize", () => { wrapWideTables(document); });
document.addEventListener("htmx:afterSettle", (event) => { wrapWideTables(event.detail.elt || document); });
