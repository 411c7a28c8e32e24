// Starts Swagger UI on the docs page. A served file rather than an inline script, so that the
// page's Content-Security-Policy can allow scripts from the service's own origin only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // No badge from the public validator: the page asks nothing of any other host.
    validatorUrl: null,
  });
})();
