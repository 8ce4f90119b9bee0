"""Loading a stack's desired state: YAML files validated against the JSON Schemas in `schemas/`.

Every problem is reported with the file, the path inside it and the offending value, all at once,
before any resource is registered, so nothing is sent for a state that is not valid as a whole. This
module reads and validates files; each family parses its own section (engine/family.py), and the
checks across families (overlaps, erasing a managed user) run here on the whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

from .errors import DesiredStateError
from .family import Family, Reading, Section
from .guards import Claim, overlaps
from .idfile import ListFile, QueryOrigin, decode, file_reference, invisible, look_alike, read_ids, resolve
from .plan import OPTED_IN, OPTED_OUT, Preference, abbreviate
from .sources import LOCAL, SOURCES_FILE, Queries, QuerySettings, Source, parse_sources
from .tables import Evidence, Rows, is_table, read_evidence, read_id_column, read_table

# Ids one resource may hold (netmera-iac:maxIdsPerResource). Each collection crosses Pulumi as one
# compressed value (engine/codec.py): 5,000,000 ids of 32 characters are ~120 MB, well inside the
# 400 MB gRPC messages Pulumi allows.
MAX_IDS_PER_RESOURCE = 5_000_000
S = TypeVar("S", bound=Section)


@dataclass(frozen=True)
class DesiredState:
    """The sections of the families whose files the stack folder has, by family name."""

    sections: Mapping[str, Section] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    list_files: tuple[ListFile, ...] = ()  # id lists kept in their own files, for the recorded state
    warnings: tuple[str, ...] = ()
    queries: tuple[tuple[str, str, int], ...] = ()  # (entry, source as shown, rows), for the plan

    def of(self, family: Family[S]) -> S | None:
        section = self.sections.get(family.name)
        return section  # type: ignore[return-value]  # the family's own parser made it

    def named(self, name: str, kind: type[S]) -> S | None:
        """A section by family name, for a family that checks another's (no import of its registry)."""
        section = self.sections.get(name)
        return section if isinstance(section, kind) else None

    def claims(self) -> Iterator[Claim]:
        for section in self.sections.values():
            yield from section.claims()

    def managed(self) -> Iterator[tuple[str, Collection[str]]]:
        for section in self.sections.values():
            yield from section.managed()


def short_json(value: Any, limit: int = 80) -> str:
    """A value as JSON, cut to `limit` characters for error messages. Encoded piece by piece and
    stopped once past the limit, so a huge value costs no more than what is shown."""
    text = ""
    for chunk in json.JSONEncoder(ensure_ascii=False, default=str).iterencode(value):
        text += chunk
        if len(text) > limit:
            return text[: limit - 1] + "…"
    return text


def _path(error: ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_NUMBER = "is not a number with its country code (+905551234567 or 00905551234567)"
# The schemas' text patterns, said in words: a raw regular expression explains nothing to a reviewer.
_PATTERNS: dict[str, Callable[[str], str]] = {
    "^[^/\\\\]": lambda v: "is an absolute path: give a path relative to the stack folder",
    "^[^\\s\\u0000-\\u001f]([^\\u0000-\\u001f]*[^\\s])?$": lambda v: (
        "starts or ends with white space: remove it" if v != v.strip() else "holds a control character"
    ),
    "^[^\\s#/](.*[^\\s])?$": lambda v: "may not start with # or /, nor start or end with white space",
    "^(\\+|00)[1-9][0-9]{7,14}$": lambda v: _NUMBER,
    "^((\\+|00)[1-9][0-9]{7,14})?$": lambda v: _NUMBER,
}


_KINDS = {"bool": "a boolean", "int": "a number", "float": "a number", "datetime": "a time", "date": "a date"}


def _reason(error: ValidationError, written: Mapping[tuple[str, ...], str]) -> str:
    """The schema's complaint in words: an unquoted scalar YAML read as something else than it looks
    (0123 is 83, 12:30 is 750, no is false) shown as written, and patterns explained."""
    raw = written.get(tuple(map(str, error.absolute_path)))
    if error.validator == "type" and raw is not None and raw != short_json(error.instance):
        kind = _KINDS.get(type(error.instance).__name__, "something else")
        return f'{raw} was read by YAML as {kind}; quote it to keep the text: "{raw}"'
    if error.validator == "pattern" and isinstance(error.instance, str):
        explain = _PATTERNS.get(str(error.validator_value))
        if explain:
            return f"{short_json(error.instance)} {explain(error.instance)}"
    return error.message if len(error.message) <= 160 else f"{error.validator} failed"


def _schema_problems(
    document: Any, schema_file: Path, shown_name: str, written: Mapping[tuple[str, ...], str] | None = None
) -> list[str]:
    from jsonschema import Draft202012Validator  # where used, as DuckDB is (engine/tables.py)

    validator = Draft202012Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        error = _branch(error)
        reason = _reason(error, written or {})
        problems.append(f"{shown_name}: {_path(error)}: {reason} (value: {short_json(error.instance)})")
    return problems


def _branch(error: ValidationError) -> ValidationError:
    """For a value that fits none of a `oneOf`'s forms, the problem of the one form of its own type
    (a path string that is absolute is explained as a path, not as "not valid under any schema")."""
    if error.validator != "oneOf" or not error.context:
        return error
    wrong_type = {
        e.relative_schema_path[0] for e in error.context if list(e.relative_schema_path)[1:] == ["type"]
    }
    own = [e for e in error.context if e.relative_schema_path[0] not in wrong_type]
    return own[0] if len({e.relative_schema_path[0] for e in own}) == 1 else error


def duplicates(ids: list[str], shown_name: str, where: str) -> list[str]:
    """Ids listed twice, ids holding an invisible character, and ids equal after NFC (engine/idfile.py)."""
    seen: dict[str, int] = {}
    problems = []
    for index, ext_id in enumerate(ids):
        if ext_id in seen:
            problems.append(f"{shown_name}: {where}[{index}]: {ext_id!r} is listed more than once")
        elif isinstance(ext_id, str) and (hidden := invisible(ext_id)):
            problems.append(
                f"{shown_name}: {where}[{index}]: {ext_id!r} holds an invisible character ({hidden})"
            )
        seen.setdefault(ext_id, index)
    strings = [i for i in ids if isinstance(i, str)]
    for one, other in look_alike(strings):
        problems.append(
            f"{shown_name}: {where}[{seen[other]}]: {other!r} is {one!r} ({where}[{seen[one]}]) in another "
            "Unicode form (equal after NFC): likely listed twice"
        )
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


def _aliased(root: yaml.Node) -> yaml.Node | None:
    """The first node reached twice (an alias), walking each node once: a YAML alias bomb is a few
    hundred bytes of nodes that expand to billions of values, so it is caught before any expansion."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return None


# Scalars YAML turns into something else unless quoted: 0123 is 83, 12:30 is 750, no is false.
_IMPLICIT = (
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
)


def _written(root: yaml.Node) -> dict[tuple[str, ...], str]:
    """Paths of the unquoted scalars YAML reads as numbers, booleans or times, and their text as
    written (the node graph has no aliases by now, so each node is reached once)."""
    found: dict[tuple[str, ...], str] = {}
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _IMPLICIT and not node.style:
                found[where] = node.value
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*where, str(i))) for i, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((value, (*where, str(key.value))) for key, value in node.value)
    return found


def _read_yaml(
    path: Path, shown_name: str, problems: list[str]
) -> tuple[Any, dict[tuple[str, ...], str]] | None:
    """A desired-state file: UTF-8 (a leading byte-order mark dropped), no duplicate keys, and no
    aliases (`*name`): a desired state is reviewed as written, and aliases are how a small file
    expands without bound. Refused before anything is built from the document."""
    text, problem = decode(path.read_bytes(), shown_name)
    if text is None:
        problems.append(problem or shown_name)
        return None
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return {}, {}
        aliased = _aliased(root)
        if aliased is not None:
            mark = aliased.start_mark
            problems.append(
                f"{shown_name}: line {mark.line + 1}, column {mark.column + 1}: YAML anchors and aliases "
                "(&name, *name) are not accepted in desired-state files; write the values out"
            )
            return None
        document = loader.construct_document(root)
        written = _written(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problems.append(f"{shown_name}: {where}: {getattr(exc, 'problem', None) or exc}")
        return None
    finally:
        loader.dispose()
    return ({} if document is None else document), written


class ListReader:
    """Id lists given inline (`members: [...]`) or as a list file (`members_file: path`)."""

    def __init__(self, state_dir: Path, shown: Callable[[Path], str], queries: Queries) -> None:
        self.state_dir = state_dir
        self.shown = shown
        self.files: list[ListFile] = []
        self.queries = queries
        # Consent evidence a table or query gave beside the ids, by (file shown, entry, key).
        self.evidence: dict[tuple[str, str, str], Evidence] = {}

    def query(
        self, asked: Mapping[str, Any], key: str, name: str, where: str, problems: list[str]
    ) -> tuple[Rows | None, QueryOrigin]:
        """The rows an entry's `<key>` query (`{source, sql}`) returned, or None with its problems."""
        source, sql = str(asked.get("source") or LOCAL), str(asked["sql"])
        origin = QueryOrigin(Path(name).name, key, source, sql)
        rows, found = self.queries.rows(source, sql, f"{name}: {where}.{key}" if where else f"{name}: {key}")
        problems += found
        return rows, origin

    def locate(self, relative: str, where: str, problems: list[str]) -> Path | None:
        """The file a desired state names, if it is a file inside the stack folder; else a problem."""
        path = resolve(self.state_dir, relative)
        if path is not None and path.is_file():
            return path
        why = "is a link or outside the stack folder" if path is None else "does not exist"
        problems.append(f"{where}: the file {why} (value: {relative!r})")
        return None

    def ids(
        self,
        entry: Mapping[str, Any],
        key: str,
        name: str,
        where: str,
        problems: list[str],
        holder: tuple[str, str, str, str | None] | None,
        bare: bool = False,
        evidence: bool = False,
    ) -> list[str]:
        """The ids of `key` (or `<key>_file`, `<key>_query`) of `entry`; `bare`: the inline list IS the
        entry; `evidence`: a consent list, whose table or query may give evidence beside the ids."""
        file_key, query_key = f"{key}_file", f"{key}_query"
        given = entry.get(file_key)
        if query_key in entry:
            forms = [k for k in (key, file_key) if k in entry]
            if forms:
                problems.append(f"{name}: {where}: give `{forms[0]}` or `{query_key}`, not both")
                return []
            rows, origin = self.query(entry[query_key], query_key, name, where, problems)
            ids, found = read_id_column(rows, None) if rows is not None else ([], [])
            if evidence and rows is not None and not found:
                self.evidence[name, where, key], found = read_evidence(rows, None)
            problems += found
            self.files.append(
                ListFile(restored_path(name, where, key, ".txt"), tuple(ids), holder, query=origin)
            )
            return ids
        if given is None:
            ids = list(entry.get(key) or [])
            problems += duplicates(ids, name, where if bare else f"{where}.{key}")
            return ids
        relative, column = file_reference(given)
        if key in entry:
            problems.append(f"{name}: {where}: give `{key}` or `{file_key}`, not both (value: {relative!r})")
            return []
        path = self.locate(relative, f"{name}: {where}.{file_key}", problems)
        if path is None:
            return []
        if is_table(path):
            ids, self.evidence[name, where, key], found = read_table(path, self.shown(path), column, evidence)
        elif column is not None:
            ids, found = [], [f"{name}: {where}.{file_key}.column: only a .csv or .parquet table has columns"]
        else:
            ids, found = read_ids(path, self.shown(path))
        problems += found
        self.files.append(ListFile(relative, tuple(ids), holder, column))
        return ids


def restored_path(name: str, where: str, key: str, suffix: str) -> str:
    """Where `netmera-iac rollback` writes what an entry's query returned (in place of the query):
    `restored/tags.memberships.vip.members.txt`, one file per entry and list."""
    stem = re.sub(r"[^\w.-]+", "_", ".".join(p for p in (Path(name).stem, where, key) if p)).strip("._")
    return f"restored/{stem[:180]}{suffix}"


def opted_in_out(
    entry: Mapping[str, Any],
    name: str,
    where: str,
    lists: ListReader,
    resource: tuple[str, str, str],
    evidence: bool = False,
) -> tuple[dict[str, Preference], list[str], list[str], list[str]]:
    """An entry's `opted_in`/`opted_out` lists (inline, `_file` or `_query`) as one map, and their
    problems (duplicates, both). `resource` (type, name, property) holds the map, so rollback can
    rebuild list files; `evidence`: read evidence columns too (consent lists, not categories)."""
    problems: list[str] = []
    kind, target, prop = resource
    ins = lists.ids(entry, OPTED_IN, name, where, problems, (kind, target, prop, OPTED_IN), evidence=evidence)
    outs = lists.ids(
        entry, OPTED_OUT, name, where, problems, (kind, target, prop, OPTED_OUT), evidence=evidence
    )
    problems += [
        f"{name}: {where}: {i!r} is both opted_in and opted_out" for i in sorted(set(ins) & set(outs))
    ]
    preferences: dict[str, Preference] = dict.fromkeys(ins, OPTED_IN)
    preferences.update(dict.fromkeys(outs, OPTED_OUT))
    return preferences, problems, ins, outs


def load(
    state_dir: Path,
    schema_dir: Path,
    families: Sequence[Family[Any]],
    shown_root: Path | None = None,
    queries: QuerySettings | None = None,
) -> DesiredState:
    """Read the files of every family under `state_dir` (each optional); `queries`: how the entries'
    queries run (engine/sources.py), with the stack's passwords and bounds."""
    problems: list[str] = []
    shown_root = shown_root or state_dir.parent.parent

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(shown_root))
        except ValueError:
            return str(path)

    if not state_dir.is_dir():
        raise DesiredStateError([f"{shown(state_dir)}: the stack's desired-state folder does not exist"])
    files: list[str] = []

    def valid_document(file_name: str) -> tuple[str, Any] | None:
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
        read = _read_yaml(path, name, problems)
        if read is None:
            return None
        doc, written = read
        schema_name = file_name.rsplit(".", 1)[0] + ".schema.json"
        schema_problems = _schema_problems(doc, schema_dir / schema_name, name, written)
        problems.extend(schema_problems)
        return None if schema_problems else (name, doc)

    sources = {LOCAL: Source(LOCAL)}
    declared = valid_document(SOURCES_FILE)
    if declared is not None:
        sources, source_problems = parse_sources(declared[1], declared[0])
        problems.extend(source_problems)
    runner = Queries(state_dir, sources, queries or QuerySettings())  # connects only when a query runs
    lists = ListReader(state_dir, shown, runner)
    warnings: list[str] = []
    sections: dict[str, Section] = {}
    try:
        for family in families:
            for companion in family.companions:
                path = state_dir / companion
                if path.is_symlink() or (path.exists() and not path.is_file()):
                    problems.append(
                        f"{shown(path)}: must be a regular file inside the stack folder, not a link"
                    )
                if path.exists() or path.is_symlink():
                    files.append(shown(path))
            documents = {f: found for f in family.files if (found := valid_document(f)) is not None}
            if not documents:
                continue
            reading = Reading(documents, schema_dir, state_dir, lists, shown)
            section = family.parse(reading)
            problems += reading.problems
            warnings += reading.warnings
            if section is not None:
                sections[family.name] = section
    finally:
        runner.close()
    counted = tuple((where, source.shown(), rows) for where, source, rows in runner.counted)
    state = DesiredState(sections, tuple(files), tuple(lists.files), tuple(warnings), counted)
    for family in families:
        if family.check is not None:
            problems += family.check(state)
    problems += overlaps(state.claims())
    known = [*(f for family in families for f in (*family.files, *family.companions)), SOURCES_FILE]
    problems += _unknown_files(state_dir, shown, known)
    if problems:
        raise DesiredStateError(problems)
    return state


def _unknown_files(state_dir: Path, shown: Callable[[Path], str], names: Sequence[str]) -> list[str]:
    """A desired-state file under another name (`tags.yml`) would be ignored, and with it every user
    it manages would be untagged: refuse it, naming the files the folder may hold."""
    expected = ", ".join(names)
    return [
        f"{shown(path)}: not a desired-state file of this folder; expected any of: {expected} "
        "(id lists in other files are named by members_file, opted_in_file or opted_out_file)"
        for path in sorted(state_dir.iterdir())
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json") and path.name not in names
    ]


def erasing_managed(state: DesiredState, erased: Collection[str], source: str) -> list[str]:
    """Erasing a user that another file still manages would break every later apply of that file."""
    problems = []
    for place, ids in state.managed():
        both = sorted(set(erased).intersection(ids))
        if both:
            problems.append(
                f"{source}: users: {abbreviate(both, 10)} erased permanently but still managed "
                f"by {place}; take them out there first (value: {both[0]!r})"
            )
    return problems
