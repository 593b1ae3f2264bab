"""The behavior catalog: the schema of a framework file, its validation, and look-ups by id."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

Role = Literal["supervisor", "manager", "director"]
ROLES: tuple[Role, ...] = ("supervisor", "manager", "director")
DEFAULT_CATALOG = Path(__file__).resolve().parent.parent / "content" / "cpm.yaml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]


class CatalogError(ValueError):
    """A catalog file that cannot be read or does not follow the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleItem(_Strict):
    """A role-specific item (`4.a.v`): what this behavior asks of one role."""

    id: Text
    role: Role
    text: Text
    prompts: list[Text] = Field(min_length=1)


class Item(_Strict):
    """A lettered item (`4.a`) of a behavior, with the prompts written for it."""

    id: Text
    text: Text
    prompts: list[Text] = Field(min_length=2)
    role_items: list[RoleItem] = []


class Behavior(_Strict):
    """One leadership behavior (`6`) with its impact on staff and the practice it models."""

    id: Text
    title: Text
    impact: Text
    why: str = ""
    models_practice: list[Text] = []
    supports_practice: str = ""
    items: list[Item] = Field(min_length=1)


class Domain(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    number: int
    name: Text
    title: Text
    behaviors: list[Behavior] = Field(min_length=1)


class LensAction(_Strict):
    text: Text
    behaviors: list[Text] = []


class Lens(_Strict):
    """One of Lean In / Lift Up / Connect / Culture: a way of showing commitment."""

    id: Text
    name: Text
    tagline: Text
    description: Text
    actions: list[LensAction] = []


class StayIn(_Strict):
    """A Stay In principle (Support, Take time, Acknowledge, Yield, INvoke)."""

    id: Text
    name: Text
    text: Text
    behaviors: list[Text] = []


class Entry(BaseModel):
    """Whatever a stable id names, flattened for look-ups: a behavior, an item or a role item."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["behavior", "item", "role_item"]
    text: str
    behavior: Behavior
    domain: Domain
    item: Item | None = None
    role_item: RoleItem | None = None

    @property
    def title(self) -> str:
        return self.behavior.title if self.kind == "behavior" else self.text


class Catalog(_Strict):
    """A validated behavior framework; ids are unique and every reference resolves."""

    schema_version: Literal[1]
    framework: Text
    roles: list[Role]
    lenses: list[Lens] = []
    stay_in: list[StayIn] = []
    domains: list[Domain] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_ids_and_references(self) -> Catalog:
        problems: list[str] = []
        seen: set[str] = set()

        def claim(entry_id: str) -> None:
            if entry_id in seen:
                problems.append(f"duplicate id {entry_id!r}")
            seen.add(entry_id)

        for domain in self.domains:
            claim(f"domain:{domain.id}")
            for behavior in domain.behaviors:
                if not re.fullmatch(r"[1-9][0-9]*", behavior.id):
                    problems.append(f"behavior id {behavior.id!r} is not a number")
                claim(behavior.id)
                for index, item in enumerate(behavior.items):
                    expected = f"{behavior.id}.{chr(ord('a') + index)}"
                    if item.id != expected:
                        problems.append(f"item {item.id!r} should be {expected!r}")
                    claim(item.id)
                    for sub_index, role_item in enumerate(item.role_items):
                        expected_sub = f"{item.id}.{_ROMAN[sub_index]}"
                        if role_item.id != expected_sub:
                            problems.append(
                                f"role item {role_item.id!r} should be {expected_sub!r}"
                            )
                        if role_item.role not in self.roles:
                            problems.append(f"role item {role_item.id!r} has undeclared role")
                        claim(role_item.id)
        behavior_ids = {b.id for d in self.domains for b in d.behaviors}
        for lens in self.lenses:
            claim(f"lens:{lens.id}")
            for action in lens.actions:
                problems += [
                    f"lens {lens.id!r} refers to unknown behavior {ref!r}"
                    for ref in action.behaviors
                    if ref not in behavior_ids
                ]
        for principle in self.stay_in:
            claim(f"stay_in:{principle.id}")
            problems += [
                f"stay-in principle {principle.id!r} refers to unknown behavior {ref!r}"
                for ref in principle.behaviors
                if ref not in behavior_ids
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def entries(self) -> dict[str, Entry]:
        """Every behavior, item and role item by its stable id, in catalog order."""
        found: dict[str, Entry] = {}
        for domain in self.domains:
            for behavior in domain.behaviors:
                found[behavior.id] = Entry(
                    id=behavior.id,
                    kind="behavior",
                    text=behavior.title,
                    behavior=behavior,
                    domain=domain,
                )
                for item in behavior.items:
                    found[item.id] = Entry(
                        id=item.id,
                        kind="item",
                        text=item.text,
                        behavior=behavior,
                        domain=domain,
                        item=item,
                    )
                    for role_item in item.role_items:
                        found[role_item.id] = Entry(
                            id=role_item.id,
                            kind="role_item",
                            text=role_item.text,
                            behavior=behavior,
                            domain=domain,
                            item=item,
                            role_item=role_item,
                        )
        return found

    def behaviors(self) -> Iterator[tuple[Domain, Behavior]]:
        for domain in self.domains:
            for behavior in domain.behaviors:
                yield domain, behavior

    def find(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id.strip().lower())

    def closest_ids(self, entry_id: str, limit: int = 3) -> list[str]:
        return difflib.get_close_matches(
            entry_id.strip().lower(), self.entries, n=limit, cutoff=0.5
        )

    def find_domain(self, name: str) -> Domain | None:
        """A domain by its id or name, or the first four letters or more of its name (not by
        number: `behaviors 6` means behavior 6)."""
        wanted = _fold(name)
        for domain in self.domains:
            if wanted in {_fold(domain.id), _fold(domain.name)} or (
                len(wanted) >= 4 and _fold(domain.name).startswith(wanted)
            ):
                return domain
        return None

    def lenses_for(self, behavior_id: str) -> list[Lens]:
        return list(self._lenses_by_behavior.get(behavior_id, ()))

    @cached_property
    def _lenses_by_behavior(self) -> dict[str, list[Lens]]:
        """Each behavior's lenses, in catalog order (reports ask once per row they count)."""
        found: dict[str, list[Lens]] = defaultdict(list)
        for lens in self.lenses:
            for behavior_id in dict.fromkeys(b for a in lens.actions for b in a.behaviors):
                found[behavior_id].append(lens)
        return dict(found)

    def stay_in_for(self, behavior_id: str) -> list[StayIn]:
        return [p for p in self.stay_in if behavior_id in p.behaviors]

    def prompts_for(self, entry_id: str, role: str | None) -> list[str]:
        """The phrasings for a commitment, preferring those written for the leader's role."""
        entry = self.entries[entry_id]
        if entry.role_item is not None:
            return list(entry.role_item.prompts)
        items = [entry.item] if entry.item is not None else entry.behavior.items
        role_prompts = [
            prompt
            for item in items
            for role_item in item.role_items
            if role_item.role == role
            for prompt in role_item.prompts
        ]
        return role_prompts or [prompt for item in items for prompt in item.prompts]

    def counts(self) -> dict[str, int]:
        kinds = [entry.kind for entry in self.entries.values()]
        return {
            "domains": len(self.domains),
            "behaviors": kinds.count("behavior"),
            "items": kinds.count("item"),
            "role_items": kinds.count("role_item"),
        }


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# PyYAML's safe loader in C where libyaml is there (a quarter of a second less at every start
# for the CPM catalog), else in Python: the same documents, the same types.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Read and validate a catalog file; the CPM catalog shipped in `bot/content/` by default."""
    source = Path(path) if path is not None else DEFAULT_CATALOG
    try:
        raw = yaml.load(source.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as exc:
        raise CatalogError(f"cannot read {source}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{source} must hold a mapping at the top level")
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise CatalogError(
            f"{source} does not follow the catalog schema:\n" + "\n".join(lines)
        ) from exc
