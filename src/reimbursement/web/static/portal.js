// The portal's only script (no inline scripts: the Content-Security-Policy forbids them).
// A form marked data-reset is emptied once htmx has posted it successfully.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target;
  if (form && form.matches && form.matches("form[data-reset]") && event.detail.successful) {
    form.reset();
  }
});
