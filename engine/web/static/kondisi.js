// Shows a conditional requirement or field only while the answers make it apply, as the server's
// engine.standard.flow.evaluate decides (the server checks again on submission). Unknown answers keep it shown.
(function () {
  "use strict";
  const form = document.querySelector("form[data-variant]");
  if (!form) return;
  function answer(key) {
    // The application's answers, or a field of the same step form (a condition on another field).
    let inputs = form.querySelectorAll('[name="answers.' + key + '"]');
    if (!inputs.length) inputs = form.querySelectorAll('[name="data.' + key + '"]');
    if (!inputs.length) return undefined;
    const values = [];
    inputs.forEach(function (el) {
      if (el.type === "checkbox" && el.value === "ya") values.push(el.checked);
      else if (el.type === "checkbox" || el.type === "radio") { if (el.checked) values.push(el.value); }
      else if (el.value !== "") values.push(el.value);
    });
    if (!values.length) return undefined;
    return inputs[0].type === "checkbox" && inputs[0].value !== "ya" ? values : values[0];
  }
  function applies(when) {
    let known = true;
    for (const key of Object.keys(when)) {
      const accepted = [].concat(when[key]).map(String);
      let actual;
      if (key === "variant") actual = form.dataset.variant;
      else if (key === "channel") actual = form.dataset.channel;
      else actual = answer(key);
      if (actual === undefined || actual === "") { known = false; continue; }
      const matched = Array.isArray(actual) ? actual.some(function (a) { return accepted.includes(String(a)); })
                                            : accepted.includes(String(actual));
      if (!matched) return false;
    }
    return known ? true : null;
  }
  function refresh() {
    form.querySelectorAll("[data-when]").forEach(function (el) {
      const verdict = applies(JSON.parse(el.dataset.when));
      el.hidden = verdict === false;
      if (verdict === false) el.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; });
      // A hidden field is neither checked by the browser nor sent: its 'required' must not block the form.
      el.querySelectorAll("input, select, textarea").forEach(function (c) { c.disabled = verdict === false; });
    });
  }
  form.addEventListener("change", refresh);
  refresh();
})();
