"""The "needs me now" inbox: what a member of staff must see at once, acknowledged by
someone, and paged again until it is (``models``, ``service``, ``jobs``)."""
