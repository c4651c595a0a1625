// The checkout page's script (served by tenderd, nothing fetched from
// elsewhere). The page works without it: the server checks every field
// again. With it the buyer sees the card's brand while typing and the
// number's and the expiry's mistakes before the form is sent.
"use strict";

(function () {
  const form = document.getElementById("card-form");
  if (!form) return;
  const field = (name) => document.getElementById("card-" + name);
  const brandLine = document.getElementById("card-brand");

  const digitsOf = (value) => value.replace(/[\s-]/g, "");

  function brandOf(digits) {
    if (/^3[47]/.test(digits)) return "American Express";
    if (/^4/.test(digits)) return "Visa";
    if (/^5[1-5]/.test(digits)) return "Mastercard";
    const four = parseInt(digits.slice(0, 4), 10);
    if (digits.length >= 4 && four >= 2221 && four <= 2720) return "Mastercard";
    if (/^62/.test(digits)) return "UnionPay";
    if (/^(6011|65)/.test(digits)) return "Discover";
    if (/^35/.test(digits)) return "JCB";
    return "";
  }

  function luhnOk(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return sum % 10 === 0;
  }

  // The message (from the form's data attributes, in the page's language)
  // for each field, or "" when it is fine.
  function numberError(typed) {
    const digits = digitsOf(typed);
    if (typed.trim() === "") return form.dataset.errNumberMissing;
    if (!/^\d+$/.test(digits)) return form.dataset.errNumberChars;
    if (digits.length < 12 || digits.length > 19) return form.dataset.errNumberLength;
    if (!/^62/.test(digits) && !luhnOk(digits)) return form.dataset.errNumberLuhn;
    return "";
  }

  function expiryError(monthText, yearText) {
    if (monthText === "" || yearText === "") return form.dataset.errExpiryMissing;
    if (!/^\d{1,2}$/.test(monthText) || !/^(\d{2}|\d{4})$/.test(yearText))
      return form.dataset.errExpiryInvalid;
    const month = parseInt(monthText, 10);
    const year = parseInt(yearText, 10) + (yearText.length === 2 ? 2000 : 0);
    const now = new Date();
    if (month < 1 || month > 12 || year > now.getUTCFullYear() + 20)
      return form.dataset.errExpiryInvalid;
    if (year < now.getUTCFullYear() ||
        (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1))
      return form.dataset.errExpiryPast;
    return "";
  }

  function cvcError(code, digits) {
    if (code === "") return form.dataset.errCvcMissing;
    const want = /^3[47]/.test(digits) ? 4 : 3;
    if (!/^\d+$/.test(code) || code.length !== want) return form.dataset.errCvcLength;
    return "";
  }

  function show(name, message) {
    const input = field(name);
    document.getElementById("card-" + name + "-error").textContent = message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  field("number").addEventListener("input", () => {
    const brand = brandOf(digitsOf(field("number").value));
    brandLine.textContent = brand ? brandLine.dataset.label + ": " + brand : "";
  });

  form.addEventListener("submit", (event) => {
    const digits = digitsOf(field("number").value);
    const expiry = expiryError(field("exp_month").value.trim(), field("exp_year").value.trim());
    const errors = [
      ["number", numberError(field("number").value)],
      ["exp_month", expiry],
      ["exp_year", expiry],
      ["cvc", cvcError(field("cvc").value.trim(), digits)],
    ];
    let first = null;
    for (const [name, message] of errors) {
      show(name, message);
      if (message && !first) first = field(name);
    }
    if (first) {
      event.preventDefault();
      first.focus();
      return;
    }
    // One submission: a second click waits for the first's answer (the
    // server would not charge twice anyway).
    document.getElementById("pay").disabled = true;
  });
})();

// A wallet's account fields (WebMoney's purse and WMID): each input carries
// the server's rule as a pattern and its messages in the page's language.
// A mistake is shown at the field, focused, and nothing is sent.
(function () {
  for (const form of document.querySelectorAll("form.wallet")) {
    form.addEventListener("submit", (event) => {
      let first = null;
      for (const input of form.querySelectorAll("input.wallet-field")) {
        const typed = input.value.trim();
        // The server takes a purse's letter in either case, as here.
        const value = typed.charAt(0).toUpperCase() + typed.slice(1);
        let message = "";
        if (value === "") message = input.dataset.errMissing;
        else if (!new RegExp(input.dataset.pattern).test(value)) message = input.dataset.errFormat;
        document.getElementById(input.id + "-error").textContent = message;
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        if (message && !first) first = input;
      }
      if (first) {
        event.preventDefault();
        first.focus();
        return;
      }
      form.querySelector("button[type=submit]").disabled = true;
    });
  }
})();

// While the payer acts elsewhere (a QR code scanned on a phone), ask the
// status route every two seconds and reload once the payment has moved on.
(function () {
  const poll = document.getElementById("poll");
  if (!poll) return;
  const url = poll.dataset.statusUrl;
  function ask() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        if (body && body.status !== "requires_action") window.location.reload();
        else setTimeout(ask, 2000);
      })
      .catch(() => setTimeout(ask, 5000));
  }
  setTimeout(ask, 2000);
})();
