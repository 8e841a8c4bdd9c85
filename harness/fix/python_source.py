"""Edits applied to a Python training script: the literal replaced where it is written.

libcst keeps every byte it is not told to change (comments, spacing, the rest of the
expression list), so the fix is the one value at its source location: a keyword argument
(``save_step=10000``), a dict entry (``"milestones": [...]``) or an assignment
(``config.lr = ...``, ``GRAD_ACUMM_STEPS = 84``) on the line the Plan recorded. A key the
script does not set yet becomes one more keyword argument of the call that sets its
neighbour (``scheduler_after_epoch=False`` next to ``lr_scheduler_params=...``).
"""

from __future__ import annotations

from typing import Any, cast

from harness.fix.edits import CannotFix, Edit


def apply_python(text: str, edits: list[Edit]) -> str:
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    for edit in edits:
        if edit.line is None and edit.anchor_line is None:
            raise CannotFix(f"the script does not set {edit.key}: add it to its config")
        wrapper = MetadataWrapper(cst.parse_module(text))
        changer = _Replace(edit)
        text = wrapper.visit(changer).code
        if not changer.done:
            raise CannotFix(f"no literal for {edit.key} at line {edit.line}")
    return text


def python_literal(value: Any) -> str:
    """Source text of a value, with double-quoted strings as scripts usually have them."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{python_literal(k)}: {python_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


def _leaf(edit: Edit) -> str:
    return (edit.file_key or edit.key).rsplit(".", 1)[-1]


class _Replace:  # built lazily so that importing this module needs no libcst
    def __new__(cls, edit: Edit) -> Any:
        import libcst as cst
        from libcst.metadata import PositionProvider

        # apply_python refuses an edit with neither line nor anchor_line before this.
        leaf, line = _leaf(edit), cast(int, edit.line or edit.anchor_line)
        inserting = edit.line is None
        new_value = cst.parse_expression(
            python_literal(edit.rename_to if edit.rename_to else edit.value)
        )

        class Replace(cst.CSTTransformer):
            METADATA_DEPENDENCIES = (PositionProvider,)

            def __init__(self) -> None:
                super().__init__()
                self.done = False

            def _here(self, node: cst.CSTNode) -> bool:
                position = self.get_metadata(PositionProvider, node)
                return not self.done and position.start.line <= line <= position.end.line

            def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
                if not inserting or self.done:
                    return updated
                for index, arg in enumerate(original.args):
                    if arg.keyword is not None and self._here(arg):
                        self.done = True
                        new = arg.with_changes(keyword=cst.Name(leaf), value=new_value)
                        args = list(updated.args)
                        comma = args[index].comma
                        if isinstance(comma, cst.MaybeSentinel):
                            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                        args[index] = args[index].with_changes(comma=comma)
                        args.insert(index + 1, new.with_changes(comma=arg.comma))
                        return updated.with_changes(args=args)
                return updated

            def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
                if inserting:
                    return updated
                if original.keyword and original.keyword.value == leaf and self._here(original):
                    self.done = True
                    if edit.rename_to:
                        return updated.with_changes(keyword=cst.Name(edit.rename_to))
                    return updated.with_changes(value=new_value)
                return updated

            def leave_DictElement(self, original: Any, updated: Any) -> Any:
                if inserting:
                    return updated
                key = original.key
                named = isinstance(key, cst.SimpleString) and key.evaluated_value == leaf
                if named and self._here(original):
                    self.done = True
                    if edit.rename_to:
                        return updated.with_changes(key=cst.SimpleString(f'"{edit.rename_to}"'))
                    return updated.with_changes(value=new_value)
                return updated

            def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
                if inserting:
                    return updated
                target = original.targets[0].target if len(original.targets) == 1 else None
                name = getattr(target, "attr", target)
                named = isinstance(name, cst.Name) and name.value.lower() == leaf.lower()
                if named and not edit.rename_to and self._here(original):
                    self.done = True
                    return updated.with_changes(value=new_value)
                return updated

        return Replace()
