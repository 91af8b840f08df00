"""Live-reload development server: ``site-builder serve``.

    site-builder serve [--content DIR] [--config FILE] [--host 127.0.0.1] [--port 8000] [--open]
                       [--base-url URL]

Where things are: ``watch.py`` (watchfiles, coalescing bursts), ``loop.py`` (the rebuild
seam: a batch of changed paths -> rebuild -> state -> notify), ``http.py`` (static files,
base URL, 404, path safety), ``reload.py`` (livereload protocol and script), ``state.py``
(build state and the error page), ``server.py`` (threads and lifecycle, ``serve``).
"""
from .server import DevServer, ServeError, serve

__all__ = ["DevServer", "ServeError", "serve"]
