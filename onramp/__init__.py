"""Onramp: launch PMO services into an organisation and prove that people adopt them."""
