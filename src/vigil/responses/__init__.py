"""The company right of reply: a request to a company's contact to respond to an incident,
the company's answer, its classification by an analyst and what the register may publish."""
