"""HTTP in, answers out: Flask routes and pages over the service layer (``service``),
which they call with the store and the request's parameters; ``api`` itself keeps
what only HTTP has (content negotiation, the SPARQL protocol, CORS, the JSON error)."""
