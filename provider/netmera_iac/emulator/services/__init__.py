"""The emulator's services, one module per noun of the API (as moto splits AWS): each holds its state
methods and its routes side by side; storage (storage.py) and the test-only routes (control.py) are
shared. `Backend` is every service's state over one store."""

from __future__ import annotations

from . import approvals, categories, contacts, profiles, push, segments, tags, users, whatsapp

SERVICES = (users, push, tags, categories, profiles, segments, approvals, contacts, whatsapp)


class Backend(
    users.UsersState,
    push.PushState,
    tags.TagsState,
    categories.CategoriesState,
    profiles.ProfilesState,
    segments.SegmentsState,
    approvals.ApprovalsState,
    contacts.ContactsState,
    whatsapp.WhatsAppState,
):
    """State of every app in the store, every operation of every service."""
