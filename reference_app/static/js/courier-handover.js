/* A door with several orders: the amount to take follows the « Remis au client » ticks.
 *
 * Each tick carries in data-due what its order costs the shopper at the door (0: paid
 * online). The card's « À encaisser » line and the « Paiement reçu » legend show the sum
 * of the ticked ones (the server writes them for the ticks as it sends them, so a page
 * without this script reads right too), and the payment choice hides while they owe
 * nothing (the server asks a payment only for the orders taken,
 * delivery.stops.deliver_part). The ticks are ordinary form fields: a tap kept offline
 * sends them as they were.
 */
"use strict";

(function () {
  const format = new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: "EUR",
  });
  document.querySelectorAll("form.deliver-form").forEach((form) => {
    const ticks = form.querySelectorAll('input[name="remise"]');
    const visit = form.closest(".visit") || form;
    const amounts = visit.querySelectorAll("[data-due-amount]");
    if (!ticks.length || !amounts.length) {
      return;
    }
    const means = form.querySelector("fieldset.means");
    function follow() {
      let cents = 0;
      ticks.forEach((tick) => {
        if (tick.checked) {
          cents += Number(tick.dataset.due || 0);
        }
      });
      amounts.forEach((amount) => {
        amount.textContent = format.format(cents / 100);
      });
      if (means) {
        means.hidden = cents === 0;
      }
    }
    form.addEventListener("change", (event) => {
      if (event.target.name === "remise") {
        follow();
      }
    });
    follow();
  });
})();
