// The body map: clicking or pressing Space/Enter on a place toggles the matching checkbox in
// the form (the checkboxes are the real fields, so the form works without this script).
(function () {
  "use strict";
  var form = document.getElementById("bodymap-form");
  if (!form) return;
  var summary = document.getElementById("marked-summary");

  function box(instance) {
    return form.querySelector('input[name="region"][value="' + instance + '"]');
  }

  function sync() {
    var names = [];
    form.querySelectorAll('input[name="region"]').forEach(function (input) {
      form.querySelectorAll('.region[data-instance="' + input.value + '"]').forEach(function (shape) {
        shape.setAttribute("aria-checked", input.checked ? "true" : "false");
        shape.classList.toggle("marked", input.checked);
      });
      if (input.checked) names.push(input.parentNode.textContent.trim());
    });
    if (summary) {
      summary.textContent = names.length
        ? "Marked (" + names.length + "): " + names.join("; ") + "."
        : "No place marked yet.";
    }
  }

  function toggle(shape) {
    var input = box(shape.getAttribute("data-instance"));
    if (!input) return;
    input.checked = !input.checked;
    sync();
  }

  form.querySelectorAll(".region[data-instance]").forEach(function (shape) {
    shape.addEventListener("click", function () { toggle(shape); });
    shape.addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        toggle(shape);
      }
    });
  });
  form.addEventListener("change", sync);
  form.addEventListener("submit", function (event) {
    var marked = form.querySelectorAll('input[name="region"]:checked').length;
    var felt = form.querySelectorAll('input[name="quality"]:checked').length;
    var clinician = form.querySelector('input[name="setting"][value="clinician"]');
    if (!clinician && (!marked || !felt)) {
      event.preventDefault();
      if (summary) summary.textContent = !marked
        ? "Mark at least one place where you feel it."
        : "Choose what it feels like.";
      if (summary) summary.focus();
    }
  });
  sync();
})();
