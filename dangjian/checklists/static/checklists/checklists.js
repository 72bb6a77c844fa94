// Checklists pages: a year picker that submits on change, a print button, and clearing a picker's
// result list once a name is chosen. Bound through data- attributes (the CSP forbids inline script).
document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-autosubmit]");
  if (select && select.form) {
    select.form.requestSubmit();
  }
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
document.addEventListener("htmx:afterSwap", (event) => {
  const list = event.detail.requestConfig && event.detail.requestConfig.elt
    ? event.detail.requestConfig.elt.closest(".pick-list")
    : null;
  if (list) {
    list.innerHTML = "";
  }
});
