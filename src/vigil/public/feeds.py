"""The register's Atom feed: newly published incidents and published company responses.

Built with feedgen (a maintained Atom/RSS writer that escapes and orders elements by the
RFC 4287 rules) from the register tables only. Titles are in the reader's language; the
text of a response is the company's, verbatim as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.i18n import current_locale, gettext
from vigil.public.open_data import incident_url
from vigil.public.register_models import PublicIncident, PublicResponse

#: Entries in the feed: the newest of incidents and responses together.
FEED_ENTRIES = 50
#: The feed's `updated` while nothing is published (Atom requires one).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Entry:
    published: datetime
    id: str
    url: str
    title: str
    summary: str


def _entries(session: Session, base: str) -> list[_Entry]:
    """The newest incidents and answered responses together, newest first (titles in the
    reader's language)."""
    incidents = session.scalars(
        select(PublicIncident)
        .order_by(PublicIncident.published_at.desc(), PublicIncident.id.desc())
        .limit(FEED_ENTRIES)
    )
    entries = [
        _Entry(
            published=incident.published_at,
            id=incident_url(base, incident.code),
            url=incident_url(base, incident.code),
            title=gettext("New incident: %(title)s") % {"title": incident.title},
            summary=incident.summary or incident.title,
        )
        for incident in incidents
    ]
    responses = session.execute(
        select(PublicResponse, PublicIncident.code, PublicIncident.title)
        .join(PublicIncident, PublicIncident.id == PublicResponse.public_incident_id)
        .where(PublicResponse.responded_at.is_not(None))
        .order_by(PublicResponse.published_at.desc(), PublicResponse.id.desc())
        .limit(FEED_ENTRIES)
    )
    for response, code, title in responses:
        url = incident_url(base, code)
        entries.append(
            _Entry(
                published=response.published_at,
                id=f"{url}#response-{response.id}",
                url=url,
                title=gettext("%(company)s responded about: %(title)s")
                % {"company": response.company_name, "title": title},
                summary=response.text or gettext("The company responded."),
            )
        )
    entries.sort(key=lambda entry: entry.published, reverse=True)
    return entries[:FEED_ENTRIES]


def incidents_feed(session: Session, *, base_url: str, licence_statement: str) -> bytes:
    """The Atom document (UTF-8 bytes)."""
    base = base_url.rstrip("/")
    feed = FeedGenerator()
    feed.id(f"{base}/feeds/incidents.atom")
    feed.title(gettext("Vigil: public register of attacks on defenders"))
    feed.subtitle(gettext("Newly published incidents and company responses."))
    feed.link(href=f"{base}/feeds/incidents.atom", rel="self")
    feed.link(href=f"{base}/incidents", rel="alternate")
    feed.rights(licence_statement)
    feed.language(current_locale.get())
    entries = _entries(session, base)
    feed.updated(entries[0].published if entries else EPOCH)
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.summary(item.summary)
        entry.link(href=item.url, rel="alternate")
        entry.published(item.published)
        entry.updated(item.published)
    return feed.atom_str(pretty=False)  # type: ignore[no-any-return]
