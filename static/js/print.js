// « Imprimer » buttons (data-print): the page works without JavaScript (the browser's print menu).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
