"""Addresses and numbers Netmera would refuse (it fails a whole request for one bad entry)."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

MSISDN = re.compile(r"^(\+|00)[1-9][0-9]{7,14}$")


def email_problem(address: str) -> str | None:
    """Why Netmera would refuse this address, if it would."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"not a valid email address: {exc} (value: {address!r})"
    return None


def msisdn_problem(number: str) -> str | None:
    if not MSISDN.match(number):
        return f"not an MSISDN with a country code, e.g. +905551234567 (value: {number!r})"
    return None
