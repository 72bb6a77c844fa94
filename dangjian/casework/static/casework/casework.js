// Casework pages: print buttons and the public page's tabs; bound through data- attributes (CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
// Copy the tracking code on the public page.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy)?.textContent?.trim();
  if (text && navigator.clipboard) {
    navigator.clipboard.writeText(text).then(() => { button.textContent = button.dataset.done || "已复制"; }, () => {});
  }
});
