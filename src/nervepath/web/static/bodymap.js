// The body maps: clicking or pressing Space/Enter on a place toggles the matching checkbox in
// the form (the checkboxes are the real fields, so the form works without this script).
// A map names its field: data-field="region" (value = the place) or
// data-field-prefix="sensory_loss_" (one checkbox per place, named prefix + place).
(function () {
  "use strict";
  var form = document.getElementById("bodymap-form");
  if (!form) return;

  function inputsOf(map) {
    var field = map.getAttribute("data-field");
    var prefix = map.getAttribute("data-field-prefix");
    var selector = field ? 'input[name="' + field + '"]' : 'input[name^="' + prefix + '"]';
    return Array.prototype.slice.call(form.querySelectorAll(selector));
  }

  function placeOf(map, input) {
    var prefix = map.getAttribute("data-field-prefix");
    return prefix ? input.name.slice(prefix.length) : input.value;
  }

  function sync(map) {
    var names = [];
    inputsOf(map).forEach(function (input) {
      map.querySelectorAll('.region[data-instance="' + placeOf(map, input) + '"]').forEach(function (shape) {
        shape.setAttribute("aria-checked", input.checked ? "true" : "false");
        shape.classList.toggle("marked", input.checked);
      });
      if (input.checked) names.push(input.parentNode.textContent.trim());
    });
    var summary = document.getElementById(map.getAttribute("data-summary") || "marked-summary");
    if (summary) {
      summary.textContent = names.length
        ? "Marked (" + names.length + "): " + names.join("; ") + "."
        : "No place marked yet.";
    }
  }

  // The wrappers that name a field, not the drawings inside them (also class "bodymap").
  form.querySelectorAll(".bodymap[data-field], .bodymap[data-field-prefix]").forEach(function (map) {
    function toggle(shape) {
      var place = shape.getAttribute("data-instance");
      var input = inputsOf(map).filter(function (i) { return placeOf(map, i) === place; })[0];
      if (!input) return;
      input.checked = !input.checked;
      sync(map);
    }
    map.querySelectorAll(".region[data-instance]").forEach(function (shape) {
      shape.addEventListener("click", function () { toggle(shape); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") {
          event.preventDefault();
          toggle(shape);
        }
      });
    });
    form.addEventListener("change", function () { sync(map); });
    sync(map);
  });

  form.addEventListener("submit", function (event) {
    var clinician = form.querySelector('input[name="setting"][value="clinician"]');
    if (clinician || (event.submitter && event.submitter.value === "back")) return;
    var marked = form.querySelectorAll('input[name="region"]:checked').length;
    // The self-check asks what is felt in each place on the next page; a form with its own
    // feelings (none now) would need one ticked.
    var asksFelt = form.querySelector('input[name="quality"]');
    var felt = !asksFelt || form.querySelectorAll('input[name="quality"]:checked').length;
    var summary = document.getElementById("marked-summary");
    if (!marked || !felt) {
      event.preventDefault();
      if (summary) {
        summary.textContent = !marked
          ? "Mark at least one place where you feel it."
          : "Choose what it feels like.";
        summary.focus();
      }
    }
  });
})();
