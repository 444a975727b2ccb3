// Click a state to list only its events; click it again (or Escape) to list them all.
document.querySelectorAll("section.execution").forEach(function (section) {
  var table = section.querySelector("table.events");
  var note = section.querySelector(".filter-note");
  var selected = null;
  function show(name) {
    section.querySelectorAll(".state.selected").forEach(function (s) { s.classList.remove("selected"); });
    table.querySelectorAll("tr.event.match").forEach(function (r) { r.classList.remove("match"); });
    selected = name;
    if (name === null) { table.classList.remove("filtered"); note.textContent = ""; return; }
    var count = 0;
    table.querySelectorAll("tr.event").forEach(function (r) {
      if (r.getAttribute("data-state") === name) { r.classList.add("match"); count++; }
    });
    section.querySelectorAll(".state").forEach(function (s) {
      if (s.getAttribute("data-state") === name) { s.classList.add("selected"); }
    });
    table.classList.add("filtered");
    note.textContent = "(" + count + " of state " + name + ")";
  }
  section.querySelectorAll(".state").forEach(function (state) {
    state.addEventListener("click", function (e) {
      e.stopPropagation();
      var name = state.getAttribute("data-state");
      show(selected === name ? null : name);
    });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { show(null); } });
});
