/* Leaving a form with changes not saved asks first: on a phone, a tap on the menu or the
 * back button lost a price or a presentation typed a moment before.
 *
 * Progressive enhancement: without this file nothing is lost by the page's own buttons
 * (they send the whole form, and the server keeps what was typed); this only covers leaving
 * the page. A form opts in with data-unsaved-warning. Any button of the form sending it is
 * fine: what was typed goes with it. The browser words the question itself.
 */
(function () {
  "use strict";

  var changed = false;

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-unsaved-warning]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("input", function () { changed = true; });
      form.addEventListener("change", function () { changed = true; });
      form.addEventListener("submit", function () { changed = false; });
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers ask only when this is set
  });
})();
