// Starts Swagger UI on /docs (a file, not an inline script: the page keeps the strict CSP).
// The schema and "Try it out" requests go to this origin with the session cookie.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null, // never send the schema to the public validator service
});
