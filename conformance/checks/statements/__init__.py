"""Communication 2.1: the Statement resource."""
