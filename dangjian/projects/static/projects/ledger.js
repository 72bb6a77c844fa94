// The ledger's print link (no inline handlers: the CSP forbids them).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
});
