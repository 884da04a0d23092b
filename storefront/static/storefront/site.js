/* Storefront script: as-you-type suggestions for the search box. Progressive enhancement: the
   form works without this; with it, a <datalist> offers product names and
   choosing one opens the product. */
(function () {
  var input = document.querySelector("input[data-suggest]");
  var list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list || !window.fetch) return;
  var urls = {}, timer, last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (urls[q]) { location.href = urls[q]; return; }
    clearTimeout(timer);
    if (q.length < 2 || q === last) return;
    timer = setTimeout(function () {
      last = q;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
        .then(function (data) {
          list.textContent = "";
          data.suggestions.forEach(function (s) {
            var o = document.createElement("option");
            o.value = s.text;
            urls[s.text] = s.url;
            list.appendChild(o);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
/* On a wide screen the filters have room: show them open. */
(function () {
  var filters = document.querySelector("details.filters");
  if (filters && window.matchMedia && matchMedia("(min-width: 60em)").matches) filters.open = true;
})();
