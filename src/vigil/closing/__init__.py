"""Safe closing: a case is not resolved or closed while its defender may still be in danger
(``closing.blockers``), and closing it ends what kept watch over it (``closing.service``)."""
