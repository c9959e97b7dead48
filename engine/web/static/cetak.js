// A "print" button (the slip at the kiosk): no inline script, the CSP allows none.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
