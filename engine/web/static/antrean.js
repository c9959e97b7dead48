// The queue's TV display: the server pushes each counter's latest call and the waiting counts
// (server-sent events, engine/web/queue_pages.py); the page updates without reloading, and EventSource
// reconnects by itself when the stream ends.
(function () {
  "use strict";
  const source = document.body.dataset.stream;
  if (!source || !window.EventSource) return;
  const calls = document.getElementById("calls");
  const waiting = document.getElementById("waiting");
  function item(text, cls) {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    return span;
  }
  new EventSource(source).onmessage = function (event) {
    const state = JSON.parse(event.data);
    calls.replaceChildren();
    state.calls.forEach(function (call) {
      const li = document.createElement("li");
      li.append(item(call.label, "number"), " ", item(call.counter, "counter"));
      calls.append(li);
    });
    Object.keys(state.waiting).forEach(function (code) {
      const row = waiting.querySelector('[data-code="' + code + '"] strong');
      if (row) row.textContent = String(state.waiting[code]);
    });
  };
})();
