// Starts Swagger UI on /api/docs (kept out of the page: the content security policy allows no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true});
});
