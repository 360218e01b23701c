"""What an answer cell may contain: numpy, math, safe built-ins, and the notebook's own names.

The grader reads every answer cell with ``ast`` before running it. An answer
that could reach bpkit (the reference it is compared with) or the checking code
is refused and scores zero; it never runs. The rules, an allow-list for names
and modules and a block-list for attributes:

- imports: ``numpy`` (and its submodules) and ``math`` only;
- a name the cell uses must be bound in the cell, be one of ``SAFE_BUILTINS``,
  or be given by the notebook (its setup cells, and the other answers);
- never: the check cells' names (``check_sigmoid`` …), modules other than numpy
  and math (``bp``, ``bpkit``), other built-ins (``globals``, ``exec``,
  ``getattr``, ``open``, ``type`` …), IPython's (``get_ipython`` …), names that
  start with ``__``;
- no attribute that starts with ``_`` (``f.__globals__``), reaches a frame
  (``gi_frame``, ``f_globals``), touches files (``np.savetxt``, ``a.tofile``) or
  memory (``ctypes``); no assignment to an attribute (``np.exp = …``);
- a module is used only through its attributes (``np.exp``), never as a value
  (``m = np``), and ``np.<…>`` must not lead out of numpy (``np.<…>.sys``);
- no ``global``, classes, bare ``except:`` (it would swallow the time limit),
  or IPython syntax (``%magic``, ``!shell``).
"""
import ast
import builtins
import importlib
import re
import types
from dataclasses import dataclass, field

ALLOWED_MODULES = ("numpy", "math")

SAFE_BUILTINS = frozenset("""
    abs all any ascii bin bool bytes callable chr complex dict divmod enumerate filter float
    format frozenset hash hex id int isinstance issubclass iter len list map max min next oct
    ord pow print range repr reversed round set slice sorted str sum tuple zip
    True False None Ellipsis NotImplemented
    ArithmeticError AssertionError Exception FloatingPointError IndexError KeyError LookupError
    NotImplementedError OverflowError RuntimeError StopIteration TypeError ValueError
    ZeroDivisionError
""".split())

IPYTHON_NAMES = frozenset("In Out get_ipython exit quit display _ih _oh _dh _i _ii _iii".split())

#: Every built-in outside SAFE_BUILTINS: eval, exec, open, globals, getattr, type, __import__ …
DENIED_BUILTINS = frozenset(dir(builtins)) - SAFE_BUILTINS

BLOCKED_ATTRIBUTES = frozenset("""
    ctypes ctypeslib f2py distutils as_strided tofile dump dumps save savez savez_compressed
    savetxt load loads loadtxt genfromtxt fromfile fromregex memmap DataSource open system
    popen modules builtins sys os importlib import_module subprocess mro
""".split())
FRAME_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_")


@dataclass
class Namespace:
    """What a notebook gives its answer cells."""
    given: set = field(default_factory=set)       # names answers may use
    modules: dict = field(default_factory=dict)   # alias -> numpy or math module name
    reserved: set = field(default_factory=lambda: {"bp", "bpkit"})   # names answers may not touch

    def add_cell(self, source, reserved=False, trusted=False):
        """Record what a cell binds at its top level: given names, or reserved ones
        (a check cell's names; a module other than numpy and math). Only a
        ``trusted`` cell (the teacher's) may make the grader import other modules."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        for name, module in top_level_bindings(tree, trusted):
            if module is not None and _allowed_module(module):
                self.modules[name] = module.__name__
            elif reserved or module is not None:
                self.reserved.add(name)
            else:
                self.given.add(name)


def problems(source, namespace, limit=3):
    """Why the answer cell ``source`` is refused: a list of short reasons (empty if allowed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: not valid Python ({exc.msg}); IPython magics (%…) and "
                "shell commands (!…) are not allowed in answers"]
    except (ValueError, RecursionError, MemoryError) as exc:
        return [f"the cell cannot be read as Python ({type(exc).__name__})"]
    found = []
    try:
        _Screen(namespace, tree, found).visit(tree)
    except RecursionError:
        found.append((1, "the cell is nested too deeply to be read"))
    ordered = sorted(found, key=lambda item: item[0])    # by line, in the order found
    unique = list(dict.fromkeys(f"line {line}: {why}" for line, why in ordered))
    return unique[:limit]


def top_level_bindings(tree, trusted=False):
    """``(name, module or None)`` for each name a cell binds outside its functions."""
    out = []
    for node in _walk_outside_functions(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else alias.name.split(".")[0]
                out.append((name, _module(target, trusted) or types.ModuleType(target)))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    value = _imported(node.module or "", alias.name, trusted)
                    out.append((alias.asname or alias.name,
                                value if isinstance(value, types.ModuleType) else None))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((node.name, None))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.append((node.id, None))
    return out


class _Screen(ast.NodeVisitor):
    """Walks one answer cell and records ``(line, reason)`` for everything refused."""

    def __init__(self, namespace, tree, found):
        self.ns, self.found = namespace, found
        self.modules = dict(namespace.modules)
        self.bound = set()
        self.quiet = set()      # names of refused imports: their uses are not reported again
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node
            self.bound |= _bindings(node)
        for name, module in top_level_bindings(tree):
            if module is not None and _allowed_module(module):
                self.modules[name] = module.__name__

    def refuse(self, node, why):
        self.found.append((getattr(node, "lineno", 1), why))

    def name_rule(self, node, name):
        """Names nobody may use or bind, whatever the cell does."""
        if name in self.quiet:
            return
        if name.startswith("__"):
            self.refuse(node, f"`{name}` is not allowed (names starting with __ are internals)")
        elif name in self.ns.reserved:
            self.refuse(node, f"`{name}` is reserved for bpkit and the checks; answers use numpy")
        elif name in DENIED_BUILTINS or name in IPYTHON_NAMES or re.fullmatch(r"_i?\d+", name):
            self.refuse(node, f"`{name}` is not allowed in answers")

    def visit_Name(self, node):
        self.name_rule(node, node.id)
        if isinstance(node.ctx, ast.Load) and node.id not in self.quiet:
            if node.id in self.modules and not _is_attribute_base(node):
                self.refuse(node, f"the module `{node.id}` is used as a value; use its functions")
            elif not (node.id in self.bound or node.id in SAFE_BUILTINS or node.id in self.ns.given
                      or node.id in self.modules or node.id in self.ns.reserved
                      or node.id in DENIED_BUILTINS or node.id in IPYTHON_NAMES):
                self.refuse(node, f"`{node.id}` is not defined in this cell, not a built-in "
                                  "answers may use, and not given by the notebook")

    def visit_Attribute(self, node):
        attr = node.attr
        if attr.startswith("_"):
            self.refuse(node, f"`.{attr}` is not allowed (attributes starting with _ are private)")
        elif attr in BLOCKED_ATTRIBUTES or attr.startswith(FRAME_PREFIXES):
            self.refuse(node, f"`.{attr}` is not allowed in answers")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.refuse(node, "assigning to an attribute (x.y = …) is not allowed in answers")
        value = self.resolve(node)
        if isinstance(value, types.ModuleType):
            if not _allowed_module(value):
                self.refuse(node, f"`{ast.unparse(node)}` leads to the module {value.__name__}")
            elif not _is_attribute_base(node):
                self.refuse(node, f"the module `{ast.unparse(node)}` is used as a value")
        self.generic_visit(node)

    def resolve(self, node):
        """The object ``np.linalg.norm`` (say) names, if the chain starts at an allowed module."""
        if isinstance(node, ast.Name):
            return _module(self.modules[node.id]) if node.id in self.modules else None
        if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
            base = self.resolve(node.value)
            if isinstance(base, types.ModuleType):
                return getattr(base, node.attr, None)
        return None

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            if self.check_module(node, alias.name):
                self.name_rule(node, name)
            else:
                self.quiet.add(name)

    def visit_ImportFrom(self, node):
        if node.level:
            self.refuse(node, "relative imports are not allowed")
            return
        if not self.check_module(node, node.module or ""):
            self.quiet.update(a.asname or a.name for a in node.names)
            return
        for alias in node.names:
            if alias.name == "*":
                self.refuse(node, "`import *` is not allowed; name what you import")
            else:
                self.name_rule(node, alias.asname or alias.name)
                value = _imported(node.module or "", alias.name)
                if isinstance(value, types.ModuleType) and not _allowed_module(value):
                    self.refuse(node, f"`{alias.name}` is the module {value.__name__}")

    def check_module(self, node, name):
        """True if ``name`` is numpy or math; otherwise the import is refused."""
        if name.split(".")[0] in ALLOWED_MODULES:
            return True
        self.refuse(node, f"imports {name or 'a module'}: answers may import numpy and math only")
        return False

    def visit_FunctionDef(self, node):
        self.name_rule(node, node.name)
        self.generic_visit(node)

    def visit_arg(self, node):
        self.name_rule(node, node.arg)

    def visit_keyword(self, node):
        if node.arg:
            self.name_rule(node, node.arg)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.type is None:
            self.refuse(node, "a bare `except:` is not allowed (it would swallow the time limit); "
                              "name the exception")
        if node.name:
            self.name_rule(node, node.name)
        self.generic_visit(node)

    def visit_Global(self, node):
        self.refuse(node, "`global` is not allowed in answers; return values instead")

    def _not_allowed(what):
        def visit(self, node):
            self.refuse(node, f"{what} are not allowed in answers")
        return visit

    visit_ClassDef = _not_allowed("classes")
    visit_AsyncFunctionDef = visit_Await = _not_allowed("async functions")
    visit_AsyncFor = visit_AsyncWith = _not_allowed("async functions")


def _bindings(node):
    """Names one node binds in its scope."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return {node.id}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.arg):
        return {node.arg}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    if isinstance(node, ast.Nonlocal):
        return set(node.names)
    return set()


def _walk_outside_functions(tree):
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)) \
                or node is tree:
            todo.extend(ast.iter_child_nodes(node))


def _is_attribute_base(node):
    parent = getattr(node, "parent", None)
    return isinstance(parent, ast.Attribute) and parent.value is node


def _allowed_module(module):
    name = getattr(module, "__name__", "")
    return any(name == m or name.startswith(m + ".") for m in ALLOWED_MODULES)


def _module(name, trusted=False):
    """The module called ``name``, imported here only if it is numpy or math, or the cell
    that names it is the teacher's: a student's cell never makes the grader import anything."""
    if not name or not (trusted or name.split(".")[0] in ALLOWED_MODULES):
        return None
    try:
        return importlib.import_module(name)
    except Exception:   # not importable here: treated as an unknown module
        return None


def _imported(module, name, trusted=False):
    """What ``from module import name`` binds (a foreign module if unknown)."""
    parent = _module(module, trusted)
    value = getattr(parent, name, None) if parent is not None else None
    if value is None:
        value = _module(f"{module}.{name}", trusted)
    if value is None and module.split(".")[0] not in ALLOWED_MODULES:
        value = types.ModuleType(f"{module}.{name}")   # unknown: treat as a foreign module
    return value
