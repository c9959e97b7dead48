// Offline search of the published standards: filters the list as you type (title, office, requirements).
(function () {
  "use strict";
  var box = document.getElementById("cari");
  if (!box) return;
  var items = document.querySelectorAll("[data-teks]");
  var count = document.getElementById("jumlah");
  function run() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (item) {
      var text = item.getAttribute("data-teks");
      var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
      item.hidden = !hit;
      if (hit) shown += 1;
    });
    if (count) count.textContent = shown + " standar";
  }
  box.addEventListener("input", run);
  run();
})();
