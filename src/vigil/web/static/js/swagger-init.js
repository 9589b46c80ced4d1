// Starts the vendored Swagger UI on /api/docs; kept in a file because the CSP forbids inline script.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
