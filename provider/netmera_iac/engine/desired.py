"""Loading a stack's desired state: YAML files validated against the JSON Schemas in `schemas/`.

Every problem is reported with the file, the path inside it and the offending value, all at once,
before any resource is registered, so nothing is sent for a state that is not valid as a whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .consent import Addressing, Channel, Contact, Evidence, parse_time
from .guards import Claim, overlaps
from .idfile import ListFile, read_ids, resolve
from .plan import OPTED_IN, OPTED_OUT, Preference, abbreviate
from .profile import AttributeSpec, ProfileSchemaError, load_attribute_schema, short_json, validate_profiles
from .record import DESIRED_STATE_FILES

MAX_SHOWN_ERRORS = 25
# Ids one resource may hold (netmera-iac:maxIdsPerResource). Each collection crosses Pulumi as one
# compressed value (engine/codec.py): 5,000,000 ids of 32 characters are ~120 MB, well inside the
# 400 MB gRPC messages Pulumi allows.
MAX_IDS_PER_RESOURCE = 5_000_000
SHARDS_IGNORED = (
    "`shards` is no longer used: every tag and the profiles are one resource whatever their size; "
    "remove the key"
)


class DesiredStateError(Exception):
    """The desired state is invalid; the message lists every problem as `file: path: problem`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_SHOWN_ERRORS]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("invalid desired state:\n  " + "\n  ".join(shown) + more)


@dataclass(frozen=True)
class TagMembershipSpec:
    tag: str
    members: tuple[str, ...]
    source: str
    allow_empty: bool = False
    allow_mass_change: bool = False
    protect: bool = False
    retain_on_delete: bool = False
    shared: bool = False
    segment: str | int | None = None  # members also include this segment's users (resolved by the program)


@dataclass(frozen=True)
class TagListSpec:
    """An additive (`assignments`) or negative (`exclusions`) list for one tag."""

    tag: str
    members: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class CategoryPreferencesSpec:
    category: str
    channel: str | None
    preferences: Mapping[str, Preference]
    source: str
    allow_empty: bool = False
    allow_mass_change: bool = False
    protect: bool = False
    adopt: bool = False

    @property
    def target(self) -> str:
        return f"{self.category}/{self.channel}" if self.channel else self.category


@dataclass(frozen=True)
class ProfilesSpec:
    """`profiles.yaml`: values per user, additive array values, and all-user erasures."""

    profiles: Mapping[str, Mapping[str, Any]]
    attributes: Mapping[str, AttributeSpec]
    source: str
    present: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(
        default_factory=dict
    )  # attr -> user -> values
    absent: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)
    retire_attributes: tuple[str, ...] = ()
    retire_values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    allow_retire: bool = False
    allow_mass_change: bool = False
    verify: str | int = "all"
    adopt: bool = False


@dataclass(frozen=True)
class ConsentListSpec:
    """One consent list of `consent.yaml`, e.g. `email.addresses`."""

    channel: Channel
    addressing: Addressing
    consents: Mapping[str, Preference]
    evidence: Mapping[str, Evidence]
    source: str
    allow_mass_change: bool = False
    adopt: bool = False

    @property
    def name(self) -> str:
        return consent_list_name(self.channel, self.addressing)


# (channel, addressing) <-> the list's key in consent.yaml
LIST_NAMES: dict[tuple[Channel, Addressing], str] = {
    ("push", "extId"): "users",
    ("push", "deviceToken"): "devices",
    ("email", "extId"): "users",
    ("email", "emailList"): "addresses",
    ("sms", "extId"): "users",
    ("sms", "msisdnList"): "numbers",
}


def consent_list_name(channel: Channel, addressing: Addressing) -> str:
    """The resource name of a consent list, e.g. `email-addresses` for `email.addresses`."""
    return f"{channel}-{LIST_NAMES[channel, addressing]}"


@dataclass(frozen=True)
class ContactsSpec:
    contacts: Mapping[str, Contact]
    source: str


@dataclass(frozen=True)
class DesiredState:
    memberships: tuple[TagMembershipSpec, ...] = ()
    assignments: tuple[TagListSpec, ...] = ()
    exclusions: tuple[TagListSpec, ...] = ()
    categories: tuple[CategoryPreferencesSpec, ...] = ()
    profiles: ProfilesSpec | None = None
    erasure: tuple[str, ...] = ()  # users to erase permanently (confirmed in the file)
    erasure_source: str = ""
    push_approvals: tuple[int, ...] = ()
    consents: tuple[ConsentListSpec, ...] = ()
    contacts: ContactsSpec | None = None
    files: tuple[str, ...] = field(default_factory=tuple)
    list_files: tuple[ListFile, ...] = ()  # id lists kept in their own files, for the recorded state
    warnings: tuple[str, ...] = ()

    def claims(self) -> Iterator[Claim]:
        for m in self.memberships:
            yield Claim(m.source, "tag", m.tag, "authoritative", m.members)
        for a in self.assignments:
            yield Claim(a.source, "tag", a.tag, "additive", a.members)
        for e in self.exclusions:
            yield Claim(e.source, "tag", e.tag, "negative", e.members)
        for c in self.categories:
            yield Claim(c.source, "category", c.target, "authoritative", c.preferences.keys())
        for consent in self.consents:
            yield Claim(consent.source, "consent", consent.name, "authoritative", consent.consents.keys())


def _path(error: ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema_problems(document: Any, schema_file: Path, shown_name: str) -> list[str]:
    validator = Draft202012Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        reason = error.message if len(error.message) <= 160 else f"{error.validator} failed"
        problems.append(f"{shown_name}: {_path(error)}: {reason} (value: {short_json(error.instance)})")
    return problems


def _duplicates(ids: list[str], shown_name: str, where: str) -> list[str]:
    seen: set[str] = set()
    problems = []
    for index, ext_id in enumerate(ids):
        if ext_id in seen:
            problems.append(f"{shown_name}: {where}[{index}]: {ext_id!r} is listed more than once")
        seen.add(ext_id)
    return problems


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML that refuses duplicate keys: a tag declared twice would otherwise silently win once.
    libyaml's parser when PyYAML has it: large inline lists load several times faster."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, shown_name: str, problems: list[str]) -> Any:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problems.append(f"{shown_name}: {where}: {getattr(exc, 'problem', None) or exc}")
        return None
    return {} if document is None else document


# The property of each resource type that holds an opted_in/opted_out map.
PREFERENCES = {
    "CategoryPreferences": "preferences",
    **{f"{channel}Consent": "consents" for channel in ("Push", "Email", "Sms")},
}


class _ListReader:
    """Id lists given inline (`members: [...]`) or as a list file (`members_file: path`)."""

    def __init__(self, state_dir: Path, shown: Callable[[Path], str]) -> None:
        self.state_dir = state_dir
        self.shown = shown
        self.files: list[ListFile] = []

    def ids(
        self,
        entry: Mapping[str, Any],
        key: str,
        name: str,
        where: str,
        problems: list[str],
        holder: tuple[str, str, str, str | None] | None,
        bare: bool = False,
    ) -> list[str]:
        """The ids of `key` (or `<key>_file`) of `entry`; `bare`: the inline list IS the entry."""
        file_key = f"{key}_file"
        relative = entry.get(file_key)
        if relative is None:
            ids = list(entry.get(key) or [])
            problems += _duplicates(ids, name, where if bare else f"{where}.{key}")
            return ids
        if key in entry:
            problems.append(f"{name}: {where}: give `{key}` or `{file_key}`, not both (value: {relative!r})")
            return []
        path = resolve(self.state_dir, relative)
        if path is None or not path.is_file():
            why = "is a link or outside the stack folder" if path is None else "does not exist"
            problems.append(f"{name}: {where}.{file_key}: the file {why} (value: {relative!r})")
            return []
        ids, found = read_ids(path, self.shown(path))
        problems += found
        self.files.append(ListFile(relative, tuple(ids), holder))
        return ids


def load_desired_state(state_dir: Path, schema_dir: Path, shown_root: Path | None = None) -> DesiredState:
    """Read `tags.yaml` and `categories.yaml` under `state_dir` (each optional)."""
    problems: list[str] = []
    shown_root = shown_root or state_dir.parent.parent

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(shown_root))
        except ValueError:
            return str(path)

    if not state_dir.is_dir():
        raise DesiredStateError([f"{shown(state_dir)}: the stack's desired-state folder does not exist"])

    memberships: list[TagMembershipSpec] = []
    assignments: list[TagListSpec] = []
    exclusions: list[TagListSpec] = []
    categories: list[CategoryPreferencesSpec] = []
    files: list[str] = []

    def valid_document(file_name: str, schema_name: str) -> tuple[str, Any] | None:
        """The parsed file if it exists and matches its schema; otherwise its problems are noted."""
        path = state_dir / file_name
        if not path.exists() and not path.is_symlink():
            return None
        name = shown(path)
        files.append(name)
        if path.is_symlink() or resolve(state_dir, file_name) is None or not path.is_file():
            # A link could make a reviewed file show (in a plan or an error) what lies outside the folder.
            problems.append(f"{name}: must be a regular file inside the stack folder, not a link")
            return None
        doc = _read_yaml(path, name, problems)
        if doc is None:
            return None
        schema_problems = _schema_problems(doc, schema_dir / schema_name, name)
        problems.extend(schema_problems)
        return None if schema_problems else (name, doc)

    lists = _ListReader(state_dir, shown)
    warnings: list[str] = []
    tags = valid_document("tags.yaml", "tags.schema.json")
    if tags is not None:
        name, doc = tags
        for tag, spec in (doc.get("memberships") or {}).items():
            where = f"memberships.{tag}"
            holder = None if "segment" in spec else ("TagMembership", tag, "members", None)
            members = lists.ids(spec, "members", name, where, problems, holder)
            if "members" not in spec and "members_file" not in spec and "segment" not in spec:
                needed = "`members`, `members_file` or `segment` is required"
                problems.append(f"{name}: {where}: {needed} (value: {short_json(spec)})")
            if "shards" in spec:
                warnings.append(f"{name}: {where}.shards: {SHARDS_IGNORED} (value: {spec['shards']})")
            memberships.append(
                TagMembershipSpec(
                    tag=tag,
                    members=tuple(members),
                    source=f"{name}: {where}",
                    allow_empty=spec.get("allow_empty", False),
                    allow_mass_change=spec.get("allow_mass_change", False),
                    protect=spec.get("protect", False),
                    retain_on_delete=spec.get("retain_on_delete", False),
                    shared=spec.get("shared", False),
                    segment=spec.get("segment"),
                )
            )
        for section, target, kind in (
            ("assignments", assignments, "TagAssignment"),
            ("exclusions", exclusions, "TagExclusion"),
        ):
            for tag, spec in (doc.get(section) or {}).items():
                # A plain list, or {members_file: …}; an inline list reports duplicates as section.tag[i].
                entry = spec if isinstance(spec, dict) else {"members": spec}
                where = f"{section}.{tag}"
                ids = lists.ids(
                    entry, "members", name, where, problems, (kind, tag, "members", None), bare=True
                )
                target.append(TagListSpec(tag, tuple(ids), f"{name}: {where}"))

    categories_doc = valid_document("categories.yaml", "categories.schema.json")
    if categories_doc is not None:
        name, doc = categories_doc
        seen: dict[tuple[str, str | None], str] = {}
        for index, entry in enumerate(doc.get("preferences") or []):
            where = f"preferences[{index}]"
            key = (entry["category"], entry.get("channel"))
            if key in seen:
                problems.append(
                    f"{name}: {where}: category {key[0]!r}"
                    + (f" channel {key[1]}" if key[1] else "")
                    + f" is already managed by {seen[key]}"
                )
                continue
            seen[key] = where
            resource = (
                f"{entry['category']}/{entry['channel']}" if entry.get("channel") else entry["category"]
            )
            prefs, in_out_problems, _, _ = _opted_in_out(
                entry, name, where, lists, ("CategoryPreferences", resource)
            )
            problems += in_out_problems
            categories.append(
                CategoryPreferencesSpec(
                    category=entry["category"],
                    channel=entry.get("channel"),
                    preferences=prefs,
                    source=f"{name}: {where} ({entry['category']}"
                    + (f"/{entry['channel']}" if entry.get("channel") else "")
                    + ")",
                    allow_empty=entry.get("allow_empty", False),
                    allow_mass_change=entry.get("allow_mass_change", False),
                    protect=entry.get("protect", False),
                    adopt=entry.get("adopt", False),
                )
            )

    profiles: ProfilesSpec | None = None
    profiles_doc = valid_document("profiles.yaml", "profiles.schema.json")
    if profiles_doc is not None:
        name, doc = profiles_doc
        profiles = _profiles(doc, name, schema_dir, shown, problems)
        if "shards" in doc:
            warnings.append(f"{name}: shards: {SHARDS_IGNORED} (value: {doc['shards']})")

    erasure: tuple[str, ...] = ()
    erasure_source = ""
    erasure_doc = valid_document("erasure.yaml", "erasure.schema.json")
    if erasure_doc is not None:
        erasure_source, doc = erasure_doc
        problems += _duplicates(doc["users"], erasure_source, "users")
        erasure = tuple(doc["users"])
    approvals_doc = valid_document("push-approvals.yaml", "push-approvals.schema.json")
    push_approvals = tuple(approvals_doc[1]["approve"]) if approvals_doc is not None else ()

    consent_doc = valid_document("consent.yaml", "consent.schema.json")
    consents = _consents(*consent_doc, problems, lists) if consent_doc is not None else []
    contacts_doc = valid_document("contacts.yaml", "contacts.schema.json")
    contacts = _contacts(*contacts_doc, problems) if contacts_doc is not None else None
    if contacts is not None:
        problems += _cleared_numbers_opted_in(contacts, consents)

    state = DesiredState(
        consents=tuple(consents),
        contacts=contacts,
        erasure=erasure,
        erasure_source=erasure_source,
        push_approvals=push_approvals,
        profiles=profiles,
        memberships=tuple(memberships),
        assignments=tuple(assignments),
        exclusions=tuple(exclusions),
        categories=tuple(categories),
        files=tuple(files),
        list_files=tuple(lists.files),
        warnings=tuple(warnings),
    )
    problems += overlaps(state.claims())
    problems += _erasing_managed(state)
    problems += _unknown_files(state_dir, shown)
    if problems:
        raise DesiredStateError(problems)
    return state


def _unknown_files(state_dir: Path, shown: Callable[[Path], str]) -> list[str]:
    """A desired-state file under another name (`tags.yml`) would be ignored, and with it every user
    it manages would be untagged: refuse it, naming the files the folder may hold."""
    expected = ", ".join(DESIRED_STATE_FILES)
    return [
        f"{shown(path)}: not a desired-state file of this folder; expected any of: {expected} "
        "(id lists in other files are named by members_file, opted_in_file or opted_out_file)"
        for path in sorted(state_dir.iterdir())
        if path.is_file()
        and path.suffix in (".yaml", ".yml", ".json")
        and path.name not in DESIRED_STATE_FILES
    ]


def _erasing_managed(state: DesiredState) -> list[str]:
    """Erasing a user that another file still manages would break every later apply of that file."""
    erased = set(state.erasure)
    if not erased:
        return []
    places: list[tuple[str, Collection[str]]] = [(c.resource, c.ids) for c in state.claims()]
    if state.profiles is not None:
        places.append((state.profiles.source, state.profiles.profiles.keys()))
    if state.contacts is not None:
        places.append((state.contacts.source, state.contacts.contacts.keys()))
    problems = []
    for place, ids in places:
        both = sorted(erased.intersection(ids))
        if both:
            problems.append(
                f"{state.erasure_source}: users: {abbreviate(both, 10)} erased permanently but still managed "
                f"by {place}; take them out there first (value: {both[0]!r})"
            )
    return problems


def _profiles(
    doc: Mapping[str, Any], name: str, schema_dir: Path, shown: Any, problems: list[str]
) -> ProfilesSpec | None:
    """Check `profiles.yaml` against the managed-attribute schema; None (with problems) if invalid."""
    schema_file = schema_dir / "profile-attributes.schema.json"
    try:
        schema, specs = load_attribute_schema(schema_file, shown(schema_file))
    except ProfileSchemaError as exc:
        problems.append(str(exc))
        return None
    found: list[str] = []
    users: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (doc.get("users") or {}).items()}
    found += validate_profiles(users, schema, name, "users")
    present: dict[str, dict[str, tuple[Any, ...]]] = {}
    absent: dict[str, dict[str, tuple[Any, ...]]] = {}
    for attr, forms in (doc.get("arrays") or {}).items():
        spec = specs.get(attr)
        if spec is None or not spec.is_array:
            found.append(f"{name}: arrays.{attr}: not an array attribute of the managed schema")
            continue
        for form, target in (("present", present), ("absent", absent)):
            lists = {u: list(v) for u, v in (forms.get(form) or {}).items()}
            found += validate_profiles(
                {u: {attr: v} for u, v in lists.items()}, schema, name, f"arrays.{attr}.{form}"
            )
            target[attr] = {u: tuple(v) for u, v in lists.items()}
        for user in sorted(set(present.get(attr, {})) & set(users)):
            if attr in users[user]:
                found.append(
                    f"{name}: users.{user}.{attr} and arrays.{attr}: the attribute is both owned and "
                    "changed additively for this user; use one or the other"
                )
        for user in sorted(set(present.get(attr, {})) & set(absent.get(attr, {}))):
            both = set(map(json.dumps, present[attr][user])) & set(map(json.dumps, absent[attr][user]))
            if both:
                found.append(
                    f"{name}: arrays.{attr}: {user} lists {', '.join(sorted(both))} as present and absent"
                )
    retire = doc.get("retire") or {}
    for attr in retire.get("attributes", []):
        if attr in specs:
            found.append(
                f"{name}: retire.attributes: {attr!r} is still in the managed schema; remove it there first"
            )
    for attr in retire.get("values", {}):
        if attr not in specs:
            found.append(f"{name}: retire.values.{attr}: not an attribute of the managed schema")
    problems.extend(found)
    if found:
        return None
    return ProfilesSpec(
        profiles=users,
        attributes=specs,
        source=f"{name}",
        present=present,
        absent=absent,
        retire_attributes=tuple(retire.get("attributes", [])),
        retire_values={k: tuple(v) for k, v in retire.get("values", {}).items()},
        allow_retire=bool(retire.get("allow_mass_change", False)),
        allow_mass_change=doc.get("allow_mass_change", False),
        verify=doc.get("verify", "all"),
        adopt=doc.get("adopt", False),
    )


def _opted_in_out(
    entry: Mapping[str, Any], name: str, where: str, lists: _ListReader, resource: tuple[str, str]
) -> tuple[dict[str, Preference], list[str], list[str], list[str]]:
    """An entry's `opted_in`/`opted_out` lists (inline or `_file`) as one map, and their problems
    (duplicates, both). `resource` (type, name) holds the map, so rollback can rebuild list files."""
    problems: list[str] = []
    kind, target = resource
    ins = lists.ids(entry, OPTED_IN, name, where, problems, (kind, target, PREFERENCES[kind], OPTED_IN))
    outs = lists.ids(entry, OPTED_OUT, name, where, problems, (kind, target, PREFERENCES[kind], OPTED_OUT))
    problems += [
        f"{name}: {where}: {i!r} is both opted_in and opted_out" for i in sorted(set(ins) & set(outs))
    ]
    preferences: dict[str, Preference] = dict.fromkeys(ins, OPTED_IN)
    preferences.update(dict.fromkeys(outs, OPTED_OUT))
    return preferences, problems, ins, outs


def _consents(
    name: str, doc: Mapping[str, Any], problems: list[str], lists: _ListReader
) -> list[ConsentListSpec]:
    """The lists of `consent.yaml`, with addresses, numbers and evidence times checked."""
    specs: list[ConsentListSpec] = []
    for (channel, addressing), key in LIST_NAMES.items():
        entry = (doc.get(channel) or {}).get(key)
        if entry is None:
            continue
        where = f"{channel}.{key}"
        kind = f"{channel.capitalize()}Consent"
        resource = (kind, consent_list_name(channel, addressing))
        consents, found, ins, outs = _opted_in_out(entry, name, where, lists, resource)
        handle_problem = {"emailList": email_problem, "msisdnList": msisdn_problem}.get(addressing)
        if handle_problem is not None:  # an address or number Netmera would refuse, with the whole request
            for field_name, ids in (("opted_in", ins), ("opted_out", outs)):
                field_name += "_file" if f"{field_name}_file" in entry else ""
                found += [
                    f"{name}: {where}.{field_name}[{i}]: {problem}"
                    for i, handle in enumerate(ids)
                    if (problem := handle_problem(handle))
                ]
        evidence: dict[str, Evidence] = {}
        for ext_id, proof in (entry.get("evidence") or {}).items():
            path = f"{name}: {where}.evidence.{ext_id}"
            if consents.get(ext_id) != OPTED_IN:
                found.append(f"{path}: evidence for an id that is not opted_in (value: {ext_id!r})")
                continue
            try:
                given = parse_time(proof["at"])
            except ValueError as exc:
                found.append(f"{path}.at: not an RFC 3339 time with a zone: {exc} (value: {proof['at']!r})")
                continue
            if given > datetime.now(UTC):
                found.append(f"{path}.at: consent cannot be given in the future (value: {proof['at']!r})")
                continue
            evidence[ext_id] = Evidence(proof["source"], proof["at"])
        problems.extend(found)
        if found:
            continue
        specs.append(
            ConsentListSpec(
                channel=channel,
                addressing=addressing,
                consents=consents,
                evidence=evidence,
                source=f"{name}: {where}",
                allow_mass_change=entry.get("allow_mass_change", False),
                adopt=entry.get("adopt", False),
            )
        )
    return specs


def email_problem(address: str) -> str | None:
    """Why Netmera would refuse this address (it fails the whole request for one bad address)."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"not a valid email address: {exc} (value: {address!r})"
    return None


MSISDN = re.compile(r"^(\+|00)[1-9][0-9]{7,14}$")


def msisdn_problem(number: str) -> str | None:
    if not MSISDN.match(number):
        return f"not an MSISDN with a country code, e.g. +905551234567 (value: {number!r})"
    return None


def _contacts(name: str, doc: Mapping[str, Any], problems: list[str]) -> ContactsSpec | None:
    found: list[str] = []
    contacts: dict[str, Contact] = {}
    for ext_id, entry in (doc.get("users") or {}).items():
        where = f"{name}: users.{ext_id}"
        email, msisdn = entry.get("email"), entry.get("msisdn")
        if email is not None and (problem := email_problem(email)):
            found.append(f"{where}.email: {problem}")
        if msisdn == "" and not entry.get("reset_sms_permission"):
            found.append(
                f"{where}.msisdn: an empty MSISDN clears the number and resets the user's SMS permission "
                "in Netmera; set `reset_sms_permission: true` beside it if that is intended (value: '')"
            )
        contacts[ext_id] = Contact(email=email, msisdn=msisdn)
    problems.extend(found)
    return None if found else ContactsSpec(contacts, name)


def _cleared_numbers_opted_in(contacts: ContactsSpec, consents: list[ConsentListSpec]) -> list[str]:
    """Clearing a number resets SMS permission, so the same user cannot also be opted in to SMS."""
    cleared = {u for u, c in contacts.contacts.items() if c.msisdn == ""}
    return [
        f"{contacts.source}: users.{u}.msisdn: cleared, which resets SMS permission, but {spec.source} "
        f"opts the user in (value: {u!r})"
        for spec in consents
        if spec.channel == "sms" and spec.addressing == "extId"
        for u in sorted(cleared)
        if spec.consents.get(u) == OPTED_IN
    ]
