"""gunicorn settings for ``kg serve`` (``-c python:kg.gunicorn_conf``).

The app is imported once in the master (``preload_app``) so workers fork with the code
already loaded; each worker then opens the store itself, because Whoosh searchers and
their open files must not be shared across a fork.
"""

preload_app = True
# gthread (a browser's idle pre-opened connections must not hold a worker), with request
# heads read by the event loop: slow clients must not hold a thread (kg/http_worker.py)
worker_class = "kg.http_worker.HeadFirstWorker"
threads = 2
graceful_timeout = 5
accesslog = None  # kg serve --access-log turns it on
# The control socket would default to one path per user (~/.gunicorn/gunicorn.ctl) that
# every kg serve shares and the last one started takes over: kg has no use for it.
control_socket_disable = True
# gunicorn's longest request line (its default 4094 answers an HTML 414 to a 500-character
# Korean search, 9 bytes a character once percent-encoded; the app's own limits then apply)
limit_request_line = 8190


def post_fork(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    from api.app import open_store
    from wsgi import app

    open_store(app)
