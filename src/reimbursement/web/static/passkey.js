// Passkeys (WebAuthn): add one, and sign a submission with it. A file of /static: the
// Content-Security-Policy forbids inline scripts.
//
// A form marked data-passkey="<url>" is not sent at once: the script posts the form
// itself to <url>, which answers the WebAuthn options as JSON (for a submission, the
// challenge is SHA-256 of the exact bytes the customer signs), asks the browser for a
// new credential (data-passkey-kind="create") or for an assertion, puts the browser's
// answer as JSON into the form's hidden field "passkey" and sends the form. The server
// checks everything; a refusal comes back as the page's message, as for any form.
(function () {
  "use strict";

  function say(form, text) {
    var box = form.querySelector(".passkey-error");
    if (box) {
      box.textContent = text;
      box.hidden = false;
    }
  }

  function supported() {
    return Boolean(
      window.PublicKeyCredential &&
        PublicKeyCredential.parseCreationOptionsFromJSON &&
        PublicKeyCredential.parseRequestOptionsFromJSON &&
        navigator.credentials
    );
  }

  async function answer(form) {
    var response = await fetch(form.dataset.passkey, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    var options = await response.json();
    if (!response.ok) {
      throw new Error(options.error || response.statusText);
    }
    if (form.dataset.passkeyKind === "create") {
      var creation = PublicKeyCredential.parseCreationOptionsFromJSON(options);
      return navigator.credentials.create({ publicKey: creation });
    }
    var request = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    return navigator.credentials.get({ publicKey: request });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-passkey]")) {
      return;
    }
    event.preventDefault();
    if (!supported()) {
      say(form, form.dataset.unsupported || "Passkeys are not supported here.");
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    answer(form)
      .then(function (credential) {
        form.elements.passkey.value = JSON.stringify(credential.toJSON());
        form.submit(); // no submit event again: the form goes as it is
      })
      .catch(function (error) {
        say(form, error.message);
        button.disabled = false;
      });
  });
})();
