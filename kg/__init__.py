"""kg's own rooms, in two layers: on top, the ``kg`` command (``cli``, ``review_prompt``)
and the server it starts (``gunicorn_conf``, ``http_worker``); below the service layer,
what the API and the command share: the settings, the store and the review file."""
