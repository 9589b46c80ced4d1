"""What the share block of public pages needs (``public/_share.html``): a title, a short
description and the page's plain canonical URL, with no tracking parameter. The public base
template turns it into Open Graph and Twitter-card tags; ``share_links(share)`` adds e-mail
and copy-link sharing. No widget, script, frame or image from another host."""

from __future__ import annotations

from fastapi import Request

DESCRIPTION_CHARS = 200


def share_for(request: Request, *, title: str, description: str, path: str) -> dict[str, str]:
    base = str(request.app.state.settings.base_url).rstrip("/")
    words = " ".join(description.split())
    if len(words) > DESCRIPTION_CHARS:
        words = words[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return {"title": title, "description": words or title, "url": f"{base}{path}"}
