/* Checkout address (includes/address_fields.html). Progressive enhancement: without this script
   the "show communes" and "find" buttons post the form and the server lists the province's
   communes (or those the search finds), saving nothing. With it, choosing a province does that
   at once, and typing in the search box narrows the commune list as you type, with or without
   diacritics ("dien bien" finds "Điện Biên Phủ"). A separate file: the site's CSP allows no
   inline script. */
(function () {
  var province = document.getElementById("checkout-ship-province");
  var select = document.getElementById("checkout-ship-commune");
  var search = document.getElementById("checkout-commune-q");
  var show = document.getElementById("checkout-show-communes");
  if (!province || !select || !show) return;

  province.addEventListener("change", function () {
    if (search) search.value = "";
    if (show.form.requestSubmit) show.form.requestSubmit(show); else show.click();
  });
  if (!search || search.disabled) return;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase()
      .replace(/['’‘`]/g, "").replace(/[^0-9a-z]+/g, " ").trim();
  }
  // Each group with its options, kept aside: hiding an <option> does not work in every phone's browser,
  // so the list is rebuilt from these.
  var placeholder = select.options[0];
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
    return {group: group, options: Array.prototype.map.call(group.querySelectorAll("option"), function (o) {
      return {option: o, key: fold(o.textContent)};
    })};
  });
  function matches(key, q) {
    return !q || key.indexOf(q) === 0 || key.indexOf(" " + q) !== -1;
  }
  search.addEventListener("input", function () {
    var q = fold(search.value), chosen = select.value, shown = [];
    select.textContent = "";
    select.appendChild(placeholder);
    groups.forEach(function (g) {
      g.group.textContent = "";
      g.options.forEach(function (o) {
        if (matches(o.key, q) || o.option.value === chosen) {
          g.group.appendChild(o.option);
          shown.push(o.option);
        }
      });
      if (g.group.childNodes.length) select.appendChild(g.group);
    });
    select.value = chosen;
    if (!chosen && q && shown.length === 1) select.value = shown[0].value;
  });
  // Enter in the search box narrows the list here; it does not submit the whole form.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
})();
