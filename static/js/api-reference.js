// Draws the API reference (/api/v1/docs) from our OpenAPI document, whose URL the page gives.
// A file of its own, not an inline script: the page's Content-Security-Policy forbids those.
"use strict";

(function () {
  const root = document.getElementById("api-reference");
  SwaggerUIBundle({
    url: root.dataset.documentUrl,
    domNode: root,
    deepLinking: true,
    // No validity badge: it would send the document to validator.swagger.io.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
