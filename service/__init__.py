"""What kg answers, as plain functions of (store, parameters) → JSON-able data.

The HTTP API (``api``) and the ``kg`` command both call these, so the terminal and the
REST API give the same answers. Nothing here reads a web request or prints: parameters
come in as a mapping of strings (a query string, or what the CLI's options say), and a
question that cannot be answered raises ``service.errors.ServiceError``, which the API
turns into a JSON error with a 4xx status and the CLI into a one-line message.
"""
