// Search over tables and columns: plain JavaScript over the JSON index
// embedded in the page; `?q=` fills the box on load.
(function () {
  var entries = JSON.parse(document.getElementById("search-index").textContent);
  var box = document.getElementById("q");
  var list = document.getElementById("results");
  function show(query) {
    var q = query.trim().toLowerCase();
    list.textContent = "";
    if (!q) return;
    entries.filter(function (e) {
      return e.name.toLowerCase().indexOf(q) >= 0 || e.doc.toLowerCase().indexOf(q) >= 0;
    }).slice(0, 50).forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = e.href;
      a.textContent = e.name;
      li.appendChild(a);
      var note = document.createElement("span");
      note.className = "muted";
      note.textContent = " " + e.kind + (e.doc ? " · " + e.doc : "");
      li.appendChild(note);
      list.appendChild(li);
    });
    if (!list.firstChild) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "Nothing matches.";
      list.appendChild(none);
    }
  }
  box.addEventListener("input", function () { show(box.value); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { box.value = initial; }
  show(box.value);
})();
