/* Checkout (storefront/checkout.html): the server lists under each pickup point whether it has
   the whole basket today and what is missing there; this repeats the chosen point's answer
   below the list as the choice changes. Without it the list alone says the same. */
(function () {
  var status = document.getElementById("pickup-fill-status");
  if (!status) return;
  function update() {
    var chosen = document.querySelector("input[name=pickup_point]:checked");
    var fill = chosen && document.getElementById("pickup-fill-" + chosen.value);
    if (!fill) { status.textContent = ""; return; }
    var name = chosen.parentNode.querySelector("b");
    status.textContent = (name ? name.textContent + ": " : "") + fill.textContent.replace(/^✓\s*/, "");
    status.className = "pickup-fill-status " + (fill.getAttribute("data-complete") === "1" ? "fill-ok" : "fill-short");
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "pickup_point") update();
  });
  update();
})();
