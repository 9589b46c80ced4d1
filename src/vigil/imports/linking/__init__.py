"""The same incident across sources: propose pairs of incidents from different sources that
are probably one event (``proposing``), explain each score (``scoring``), let an analyst
confirm (``merging``: one incident, several sources, each keeping its own date and wording)
or reject, and show where the merged sources disagree (``disagreements``).

Names are matched through the keyed word digests of ``defenders.name_tokens`` and the exact
blind index ``Defender.name_index``: no name is decrypted to find or score a pair."""
