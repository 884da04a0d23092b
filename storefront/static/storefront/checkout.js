/* The card step (storefront/checkout_card.html): Stripe Elements' card field, and the payment
   confirmed with the client secret of the order's PaymentIntent. Loaded on that page only,
   after Stripe.js. The order is confirmed by Stripe's webhook; this page then shows the
   order's status page, or the page that says what to do when the card is refused. */
(function () {
  var form = document.getElementById("card-form");
  if (!form || !window.Stripe) return;
  var data = form.dataset;
  var stripe = window.Stripe(data.publishableKey, {locale: data.locale === "en" ? "en" : "vi"});
  var card = stripe.elements().create("card", {hidePostalCode: true});
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-pay");
  var label = button.textContent;
  card.mount("#card-element");
  card.on("ready", function () { button.disabled = false; });
  card.on("change", function (event) { show(event.error ? event.error.message : ""); });

  function show(message) {
    errors.textContent = message;
    errors.hidden = !message;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    button.textContent = data.paying;
    var details = data.email ? {billing_details: {email: data.email}} : {};
    details.card = card;
    stripe.confirmCardPayment(data.clientSecret, {payment_method: details}).then(function (result) {
      if (result.error) {
        show(result.error.message);
        button.disabled = false;
        button.textContent = label;
        var help = document.createElement("a");
        help.href = data.failedUrl;
        help.textContent = document.getElementById("card-help").textContent;
        errors.appendChild(document.createTextNode(" "));
        errors.appendChild(help);
        return;
      }
      location.href = data.doneUrl;
    });
  });
})();
