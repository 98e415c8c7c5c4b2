"""Attachments (Data 2.4.11, Communication 1.5.2) and signed Statements (Data 2.6)."""
