// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const confirmTarget = event.target.closest("[data-confirm]");
  if (confirmTarget && !window.confirm(confirmTarget.dataset.confirm)) {
    event.preventDefault();
  }
});
// Disable a submit button once its form is sent, so a double click submits once.
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("button[type=submit], button:not([type])");
  if (button) {
    setTimeout(() => { button.disabled = true; }, 0);
  }
});
