"""The livereload protocol: the script tag put into served pages, the websocket, livereload.js.

The ``livereload`` package provides the protocol (websocket handshake, ``official-7``) and its
``livereload.js``, served from here (no CDN). The script tag is added to HTML as it is sent,
never to the files on disk. After every build, good or bad, :func:`tell_tabs_to_reload`
sends the connected tabs a reload message.
"""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Iterable
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import escape

from .http import HostGuard, split_host

if TYPE_CHECKING:
    from .server import DevServer

PROTOCOL = "http://livereload.com/protocols/official-7"
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_HOSTNAME = re.compile(r"^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$")


def reload_script(host_header: str) -> bytes:
    """The tag that loads livereload.js from this server (no inline code, so a strict CSP works)."""
    host, port = split_host(host_header)
    query = f"port={port}&mindelay=500&maxdelay=5000"
    if host and _HOSTNAME.match(host):
        query = f"host={host}&" + query
    return f'<script src="/livereload.js?{html.escape(query)}" async></script>'.encode()


def inject_script(page: bytes, tag: bytes) -> bytes:
    """Insert ``tag`` before </head> (else before the last </body>, else at the end)."""
    match = _HEAD_END.search(page)
    if match is None:
        ends = list(_BODY_END.finditer(page))
        match = ends[-1] if ends else None
    if match is None:
        return page + tag
    return page[: match.start()] + tag + page[match.start():]


def tell_tabs_to_reload(clients: Iterable["ReloadSocket"]) -> list["ReloadSocket"]:
    """Send every tab the reload message (on the server's event loop); return the tabs gone."""
    message = escape.json_encode({"command": "reload", "path": "*", "liveCSS": False, "liveImg": False})
    gone = []
    for client in list(clients):
        try:
            client.write_message(message)
        except Exception:  # noqa: BLE001 - a tab that went away, whatever tornado raised for it
            gone.append(client)
    return gone


class ReloadSocket(HostGuard, LiveReloadHandler):
    """livereload's websocket (protocol official-7), with clients kept per server."""

    def initialize(self, server: "DevServer") -> None:
        self.server = server

    def prepare(self) -> None:
        self.check_host()

    def check_origin(self, origin: str) -> bool:
        # Only pages served by this server (same host:port) may listen.
        return urlsplit(origin).netloc.lower() == self.request.host.lower()

    def on_message(self, message: str | bytes) -> None:
        try:
            data = escape.json_decode(message)
        except ValueError:
            self.close()
            return
        if not isinstance(data, dict):
            return
        if data.get("command") == "hello":
            self.send_message({"command": "hello", "protocols": [PROTOCOL], "serverName": "site-builder"})
        elif data.get("command") == "info" and "url" in data:
            self.server.clients.add(self)
            self.server.handshakes += 1

    def on_close(self) -> None:
        self.server.clients.discard(self)


class ReloadJS(HostGuard, LiveReloadJSHandler):
    """livereload.js as shipped in the livereload package (no CDN)."""

    def initialize(self, server: "DevServer") -> None:
        self.server = server

    def prepare(self) -> None:
        self.check_host()
