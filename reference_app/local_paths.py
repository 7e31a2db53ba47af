"""Where a page may send the browser back to: only a path of this site.

Used for the ``next`` of the login form and the list a shopper added a product from. A
browser reads more than "//host" as another site: "/\\host" (a backslash is a slash to it),
and tabs or line breaks dropped from "/\\t/host"; those go nowhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site ("/boutiques/x?page=2"), without its anchor;
    ``None`` for anything a browser could take to another site ("//host", "/\\host",
    "https://host", a line break)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(char == "\\" or char < " " or char == "\x7f" for char in target):
        return None
    return urlsplit(target)._replace(fragment="").geturl()
