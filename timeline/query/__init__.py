"""The timeline's query string: one filter definition, its strategies and what the page shows of it."""
