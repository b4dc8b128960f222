// Starts Swagger UI on /docs. A file rather than an inline script, so that the page keeps
// the same Content-Security-Policy (script-src 'self') as every other page.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // the default would send the document to validator.swagger.io
  });
})();
