/* The staff console after a refused form (answered with the page itself, status 400):
   the address bar gets the page's own address back (so reloading does not post the form
   again) and the first error the clerk must read is scrolled into view and focused. */
(function () {
  "use strict";
  function ready() {
    var back = document.getElementById("return-url");
    if (back && window.history && history.replaceState) {
      history.replaceState(null, "", back.getAttribute("data-url"));
    }
    var error = document.querySelector("main .error[role=alert]");
    if (error) {
      if (!error.hasAttribute("tabindex")) error.setAttribute("tabindex", "-1");
      error.scrollIntoView({block: "center"});
      error.focus({preventScroll: true});
    }
  }
  // After the page has loaded: a focus moved earlier can be lost when loading ends.
  if (document.readyState === "complete") ready();
  else window.addEventListener("load", ready);
})();
