"""Every action any service writes to the audit log has a Chinese label (never ``payouts.pay`` on a page).

The actions are collected from the source: every ``log_action(action=…)`` call, with the action a
string, a module constant, a conditional between strings, or an f-string whose placeholder is a
parameter of the function around it (then the constants passed for it where that function is called
in the same module). An f-string this cannot expand must be listed in ``DYNAMIC`` with its values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dangjian
from dangjian.core.audit_labels import ACTION_LABELS, action_label
from dangjian.people.development import STEP_LABELS

ROOT = Path(dangjian.__file__).parent


def _payout_steps() -> list[str]:
    return ["prepared", "verified", "approved"]  # payouts.services.advance_list's three signatures


def _upload_kinds() -> list[str]:
    from dangjian.payouts.jobs import BANK_KIND, LIST_KIND
    from dangjian.people.jobs import IMPORT_KIND

    return [IMPORT_KIND, LIST_KIND, BANK_KIND]  # the kinds queued through jobs.uploads.start_upload


# f-string actions whose values come from elsewhere: template → the values of its one placeholder.
DYNAMIC = {
    "{}.upload": _upload_kinds,
    "people.development.{}": lambda: list(STEP_LABELS),
    "payouts.{}_list": _payout_steps,
}


def _template(node: ast.JoinedStr) -> tuple[str, list[ast.expr]]:
    parts, holes = [], []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        else:
            parts.append("{}")
            holes.append(value.value)  # type: ignore[attr-defined]
    return "".join(parts), holes


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _arguments_passed(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> list[str]:
    names = [a.arg for a in function.args.args]
    index = names.index(parameter) if parameter in names else None
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function.name:
            args = [k.value for k in node.keywords if k.arg == parameter]
            if index is not None and index < len(node.args):
                args.append(node.args[index])
            found += [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return found


def collect_actions() -> tuple[set[str], list[str]]:
    """(every action found, what could not be expanded as 'path:line template')."""
    actions: set[str] = set()
    unresolved: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if not {"tests", "migrations"} & set(path.parts):
            _scan(path, actions, unresolved)
    return actions, unresolved


def _scan(path: Path, actions: set[str], unresolved: list[str]) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    constants = _module_constants(tree)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def enclosing(node: ast.AST) -> ast.FunctionDef | None:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def expand(value: ast.expr, call: ast.Call) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            actions.add(value.value)
        elif isinstance(value, ast.Name) and value.id in constants:
            actions.add(constants[value.id])
        elif isinstance(value, ast.IfExp):
            expand(value.body, call)
            expand(value.orelse, call)
        elif isinstance(value, ast.JoinedStr):
            template, holes = _template(value)
            if template in DYNAMIC:
                actions.update(template.format(v) for v in DYNAMIC[template]())
                return
            function = enclosing(call)
            values = []
            if function and len(holes) == 1 and isinstance(holes[0], ast.Name):
                values = _arguments_passed(tree, function, holes[0].id)
            if not values:
                unresolved.append(f"{path.relative_to(ROOT.parent)}:{call.lineno} {template}")
            actions.update(template.format(v) for v in values)
        else:
            unresolved.append(f"{path.relative_to(ROOT.parent)}:{call.lineno} {ast.unparse(value)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name == "log_action":
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                if action is None:
                    unresolved.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} (no action=)")
                else:
                    expand(action, node)


def test_every_audited_action_has_a_chinese_label():
    actions, unresolved = collect_actions()
    assert len(actions) > 100  # the collector found the code base's calls
    assert unresolved == [], "actions the test cannot enumerate: add them to DYNAMIC"
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert missing == [], "register a Chinese label from the app's ready() (register_action_labels)"


def test_labels_are_chinese_and_never_the_code():
    for code, label in ACTION_LABELS.items():
        assert label != code and not label.isascii(), code
        assert action_label(code) == label
