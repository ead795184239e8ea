"""``gunicorn wsgi:app``: the API over the store named by KG_STORE (default .kg)."""

from api.app import create_app

app = create_app()
