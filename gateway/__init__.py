"""The one door: tokens, roles, routing to the services, one merged OpenAPI."""
