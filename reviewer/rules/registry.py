"""The explicit registry of rule modules. Importing this module registers every rule."""

from __future__ import annotations

import importlib

from reviewer.rules.base import _RULES, Rule

#: Every module that defines rules, in catalogue order. Add a module here to register it.
RULE_MODULES = [
    "reviewer.rules.time_units",  # T001-T012
    "reviewer.rules.skilled",  # S001-S005
    "reviewer.rules.documentation",  # D001-D008
    "reviewer.rules.billing",  # B001-B006
]

_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in RULE_MODULES:
            importlib.import_module(name)
        _loaded = True


#: The sorted rules and the registry size they were sorted at (rules are only ever added, so a
#: new registration changes the size and the list is sorted again).
_sorted: tuple[int, list[Rule]] = (-1, [])


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by family (T, S, D, B) and id."""
    global _sorted
    _load()
    if _sorted[0] != len(_RULES):
        family = {"T": 0, "S": 1, "D": 2, "B": 3, "P": 4}
        rules = sorted(_RULES.values(), key=lambda r: (family.get(r.id[0], 9), r.id))
        _sorted = (len(_RULES), rules)
    return list(_sorted[1])


def get_rule(rule_id: str) -> Rule:
    _load()
    return _RULES[rule_id]
