/* The product page's "Add to cart" (storefront/product.html). Progressive enhancement: the
   server renders the button disabled, with its reason, when the variant it selects first is out
   of stock; this follows the buyer's choice of variant. A separate file: the CSP allows no
   inline script. */
(function () {
  var form = document.querySelector("form.buy");
  var button = document.getElementById("add-to-cart");
  var why = document.getElementById("buy-why");
  if (!form || !button || !why) return;
  function update() {
    var chosen = form.querySelector("input[name=variant]:checked");
    var out = chosen ? chosen.getAttribute("data-out") : null;
    button.disabled = !chosen || !!out;
    why.textContent = out || "";
    why.hidden = !out;
    if (out) button.setAttribute("aria-describedby", "buy-why"); else button.removeAttribute("aria-describedby");
  }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "variant") update();
  });
  update();
})();
