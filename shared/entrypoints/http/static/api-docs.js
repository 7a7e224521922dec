// Swagger UI for /api/docs, from the files this app serves itself (swagger-ui-bundle-v2, pinned): no CDN.
// "openapi.json" is relative to /api/docs, so the page also works under an API Gateway stage prefix.
"use strict";
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  persistAuthorization: false,  // a pasted token stays in this page's memory, never in storage
  tryItOutEnabled: false,
  displayRequestDuration: true,
  onComplete: () => { document.body.dataset.loaded = "true"; },
});
