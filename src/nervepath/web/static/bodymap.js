// The body maps: clicking or pressing Space/Enter on a place toggles the matching checkbox in
// the form (the checkboxes are the real fields, so the form works without this script).
// A map is the element that names its field: data-field="region" (value = the place) or
// data-field-prefix="sensory_loss_" (one checkbox per place, named prefix + place). Maps are
// found by that attribute alone: the drawings inside carry classes too, and a drawing taken
// for a map (it has no field) used to reset the summary to "No place marked yet".
// On a phone the views are shown one at a time, chosen with buttons this script adds.
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

  function nameOf(input) {
    var label = input.labels && input.labels[0];
    return (label || input.parentNode).textContent.trim();
  }

  function sync(map) {
    var checked = {};
    var names = [];
    inputsOf(map).forEach(function (input) {
      checked[placeOf(map, input)] = input.checked;
      if (input.checked) names.push(nameOf(input));
    });
    map.querySelectorAll(".region[data-instance]").forEach(function (shape) {
      var on = checked[shape.getAttribute("data-instance")] === true;
      shape.setAttribute("aria-checked", on ? "true" : "false");
      shape.classList.toggle("marked", on);
    });
    map.querySelectorAll(".bodymap-tabs button").forEach(function (button) {
      var view = document.getElementById(button.getAttribute("aria-controls"));
      var n = view ? view.querySelectorAll('.region[aria-checked="true"]').length : 0;
      button.querySelector(".count").textContent = n ? " (" + n + ")" : "";
    });
    var summary = document.getElementById(map.getAttribute("data-summary") || "marked-summary");
    if (summary) {
      summary.textContent = names.length
        ? "Marked (" + names.length + "): " + names.join("; ") + "."
        : "No place marked yet.";
    }
  }

  // One view at a time on a phone: a button per view (CSS shows them on narrow screens only).
  function addViewButtons(map) {
    var views = map.querySelector(".bodymap-views");
    if (!views) return;
    var figures = Array.prototype.slice.call(views.querySelectorAll(".bodymap-view"));
    var bar = document.createElement("div");
    bar.className = "bodymap-tabs";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Choose a view");
    var buttons = figures.map(function (figure, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-controls", figure.id);
      button.textContent = figure.getAttribute("data-short");
      var count = document.createElement("span");
      count.className = "count";
      button.appendChild(count);
      button.addEventListener("click", function () { show(i); });
      bar.appendChild(button);
      return button;
    });
    function show(i) {
      figures.forEach(function (figure, j) { figure.classList.toggle("current", i === j); });
      buttons.forEach(function (button, j) {
        button.setAttribute("aria-pressed", i === j ? "true" : "false");
      });
    }
    views.classList.add("tabbed");
    views.parentNode.insertBefore(bar, views);
    show(0);
  }

  form.querySelectorAll("[data-field], [data-field-prefix]").forEach(function (map) {
    function toggle(shape) {
      var place = shape.getAttribute("data-instance");
      var input = inputsOf(map).filter(function (i) { return placeOf(map, i) === place; })[0];
      if (!input) return;
      input.checked = !input.checked;
      sync(map);
    }
    addViewButtons(map);
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
