"""The sandbox's data files (catalogues, vocabularies) and the shapes their tables take.

Read as package resources, so they load the same from a checkout and from the wheel (each file
is listed under package-data in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

from ruamel.yaml import YAML

K = TypeVar("K")
V = TypeVar("V")


@cache
def package_yaml(package: str, name: str) -> Any:
    """The YAML file `name` of `package`, parsed once (callers must not change it)."""
    return YAML(typ="safe").load(files(package).joinpath(name).read_text("utf-8"))


def keyed(
    key: Callable[[str], K], table: Mapping[str, Any], value: Callable[[Any], V] = lambda v: v
) -> dict[K, V]:
    """A table keyed by names, keyed by what the names stand for (a domain enum, usually), its
    values shaped by `value`."""
    return {key(name): value(item) for name, item in table.items()}


def weighted(key: Callable[[str], K], rows: Iterable[list[Any]]) -> tuple[tuple[K, float], ...]:
    """`[name, weight]` rows as (value, weight) pairs, in file order."""
    return tuple((key(name), weight) for name, weight in rows)
