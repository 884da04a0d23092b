/* Drafts that survive a dropped connection: every form with data-draft="name" keeps its fields
   (and its idempotency key) in this phone's localStorage as they are typed, and gets them back
   when the page opens again. A page that shows data-clear-draft="name" (the page a successful
   post lands on) forgets that draft. Files cannot be kept: they are chosen again. */
(function () {
  "use strict";
  var PREFIX = "ocop-draft:";
  var store;
  try { store = window.localStorage; store.getItem(PREFIX); } catch (e) { return; }

  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    store.removeItem(PREFIX + el.getAttribute("data-clear-draft"));
  });

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" && el.type !== "submit";
    });
  }

  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-draft");
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    // A form the server sent back with errors already holds what was posted: keep it as it is.
    if (saved && !form.hasAttribute("data-bound")) {
      fields(form).forEach(function (el) {
        if (!Object.prototype.hasOwnProperty.call(saved, el.name)) { return; }
        if (el.type === "radio" || el.type === "checkbox") { el.checked = saved[el.name] === el.value; }
        else { el.value = saved[el.name]; }
      });
      form.classList.add("draft-restored");
    }
    function save() {
      var data = {};
      fields(form).forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
        data[el.name] = el.value;
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full: typing still works */ }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", save);
  });
})();
