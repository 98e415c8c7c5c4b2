"""One module per xAPI resource."""
