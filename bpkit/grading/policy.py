"""What an answer cell may contain: numpy, math, safe built-ins, and the notebook's own names.

The grader reads every answer cell with ``ast`` before running it. An answer
that could reach bpkit (the reference it is compared with) or the checking code
is refused and scores zero; it never runs. The rules, an allow-list for names
and modules and a block-list for attributes:

- imports: ``math``, and ``numpy`` with the submodules in ``NUMPY_NAMESPACES`` only;
- a name the cell uses must be bound in the cell, be one of ``SAFE_BUILTINS``,
  or be given by the notebook (its setup cells, and the other answers);
- never: the check cells' names (``check_sigmoid`` …), modules other than numpy
  and math (``bp``, ``bpkit``), other built-ins (``globals``, ``exec``,
  ``getattr``, ``open``, ``type`` …), IPython's (``get_ipython`` …), names that
  start with ``__``;
- no attribute that starts with ``_`` (``f.__globals__``), reaches a frame
  (``gi_frame``, ``f_globals``), touches files (``np.savetxt``, ``a.tofile``) or
  memory (``ctypes``); no assignment to an attribute (``np.exp = …``) but a network's
  ``net.weights = …`` and ``net.biases = …``;
- a module is used only through its attributes (``np.exp``), never as a value
  (``m = np``);
- no ``global``, classes, generators (``yield``: one paused inside
  ``with np.errstate(…)`` keeps that setting for the cells after it), bare
  ``except:`` (it would swallow the time limit),
  or IPython syntax (``%magic``, ``!shell``);
- of numpy, only what ``numpy_refusal`` allows (below).

**numpy is an allow-list, computed from numpy itself.** numpy can do far more than
arithmetic: ``np.testing.runstring`` and ``np.testing.measure`` execute strings,
``np.load`` unpickles, ``np.lib.format.open_memmap`` and ``np.memmap`` write files,
``np.ctypeslib.load_library`` loads native code, ``np.add_newdoc`` and ``np.lookfor``
import modules named by a string, ``np.r_['…']`` looks names up in the caller's
namespace. A list of forbidden names would miss the next one (or the next numpy), so
the list is of what is *allowed*, and it is made by reading numpy's public API when the
grader first needs it (``numpy_refusal``):

- an answer may go through ``numpy``, ``numpy.linalg``, ``numpy.random`` and
  ``numpy.fft`` only; every other submodule (``testing``, ``lib``, ``ctypeslib``,
  ``f2py``, ``core``, ``ma``, ``rec`` …) is refused whole, and is never imported by
  the policy to find out (``importlib.util.find_spec`` tells a submodule's name);
- in those, a name is allowed if it is a ufunc (``np.exp``), a scalar type or dtype
  (``np.float64``), a numeric constant (``np.pi``, ``np.newaxis``), an exception, or a
  function or class whose code lives in one of numpy's computing modules
  (``COMPUTING_SOURCES``: ``_core/fromnumeric.py``, ``lib/_function_base_impl.py``,
  ``linalg/``, ``random/`` …). The *file* decides, not ``__module__``: numpy sets
  ``__module__ = "numpy"`` on nearly every public function, ``np.load`` and ``np.save``
  included; the file is the same kind of name in numpy 1.24 (``lib/npyio.py``) and 2.x
  (``lib/_npyio_impl.py``) once the underscores and ``_impl`` are dropped;
- numpy's compiled core functions have no file (``np.array``, ``np.zeros``, ``np.dot``):
  they are allowed, except the few that read files or raw memory or change numpy for
  everyone, listed by name with their reason (``DENIED_NUMPY_NAMES``), which also
  catches a dangerous function kept in a computing module (``add_newdoc``);
- anything else, including a name numpy does not have, is refused.

Attributes of other objects (an array, a generator, a network) stay screened by the
block-list. All of this is a first line that tells a student why an answer is
refused: what holds when it fails is the operating system's sandbox around the kernel.
The screen runs in the grader; it imports numpy's allowed namespaces and math, never a
module a student names.
"""
import ast
import builtins
import collections
import functools
import importlib
import importlib.util
import re
import sys
import types
import warnings
from dataclasses import dataclass, field

ALLOWED_MODULES = ("numpy", "math")   # numpy: the namespaces in NUMPY_NAMESPACES

SAFE_BUILTINS = frozenset("""
    abs all any ascii bin bool bytes callable chr complex dict divmod enumerate filter float
    format frozenset hash hex id int isinstance issubclass iter len list map max min next oct
    ord pow print range repr reversed round set slice sorted str sum tuple zip
    True False None Ellipsis NotImplemented
    ArithmeticError AssertionError AttributeError Exception FloatingPointError IndexError
    KeyError LookupError NameError NotImplementedError OverflowError RuntimeError StopIteration
    TypeError UnboundLocalError ValueError ZeroDivisionError
    Warning RuntimeWarning UserWarning
""".split())

IPYTHON_NAMES = frozenset("In Out get_ipython exit quit display _ih _oh _dh _i _ii _iii".split())

#: Every built-in outside SAFE_BUILTINS: eval, exec, open, globals, getattr, type, __import__ …
DENIED_BUILTINS = frozenset(dir(builtins)) - SAFE_BUILTINS

#: Attribute names refused on any object: files, pickles, raw memory (``.ctypes`` of an
#: array, ``.cffi`` and ``.capsule`` of a bit generator), code run from strings.
BLOCKED_ATTRIBUTES = frozenset("""
    ctypes ctypeslib cffi capsule f2py distutils as_strided tofile dump dumps save savez
    savez_compressed savetxt load loads loadtxt genfromtxt fromfile frombuffer fromregex
    memmap open_memmap DataSource load_library runstring measure lookfor safe_eval
    byte_bounds add_newdoc add_docstring set_numeric_ops bmat open system popen modules
    builtins sys os importlib import_module subprocess mro format format_map vformat obj
""".split())
#: Why some attributes are refused, where the name does not say it.
ATTRIBUTE_REASONS = {
    "format": "a format string's fields read attributes by name (`{0.__class__}`), out of "
              "sight of this check; use an f-string",
}
ATTRIBUTE_REASONS["format_map"] = ATTRIBUTE_REASONS["vformat"] = ATTRIBUTE_REASONS["format"]
ATTRIBUTE_REASONS["obj"] = ("an AttributeError's `.obj` is the object that lacked the "
                            "attribute, which hands a module over as a value")
FRAME_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_")

# --- numpy: an allow-list read from numpy's public API (see the module docstring) -------

#: The numpy namespaces an answer may go through: arrays and math, linear algebra,
#: random numbers, FFT.
NUMPY_NAMESPACES = ("numpy", "numpy.linalg", "numpy.random", "numpy.fft")

#: Where the code of an allowed numpy function or class lives, as a path inside numpy
#: with underscores and ``_impl`` dropped (``_core/fromnumeric.py`` -> ``core/fromnumeric``)
#: so that numpy 1.x and 2.x read the same. A trailing ``/`` takes a whole folder.
COMPUTING_SOURCES = frozenset("""
    core/fromnumeric core/numeric core/function_base core/shape_base core/numerictypes
    core/einsumfunc core/asarray core/getlimits core/ufunc_config core/arrayprint
    core/multiarray core/exceptions
    lib/function_base lib/shape_base lib/twodim_base lib/type_check lib/ufunclike
    lib/nanfunctions lib/arraysetops lib/arraypad lib/index_tricks lib/stride_tricks
    lib/histograms lib/polynomial lib/scimath
    linalg/ fft/ random/
""".split())

#: Why a numpy submodule is refused, for the ones a student is likely to try.
NUMPY_MODULE_REASONS = {
    "testing": "numpy.testing runs code from strings (runstring, measure) and numpy's tests",
    "lib": "numpy.lib holds numpy's file functions (load, save, format.open_memmap, "
           "DataSource), its utilities (info, source, lookfor) and internals",
    "ctypeslib": "numpy.ctypeslib loads native libraries",
    "f2py": "numpy.f2py compiles and loads native code",
    "distutils": "numpy.distutils builds native code",
    "core": "numpy.core is numpy's internals",
    "ma": "numpy.ma reads and writes pickles (ma.load, ma.dump)",
    "rec": "numpy.rec reads files (rec.fromfile)",
    "matrixlib": "numpy.matrixlib looks names up from a string (bmat)",
}

#: Why a numpy function is refused, by the file its code lives in (normalised as above).
NUMPY_SOURCE_REASONS = {
    "lib/npyio": "it reads and writes files, and unpickles them",
    "lib/format": "it reads and writes .npy files, memory-mapped or pickled",
    "lib/datasource": "it opens files and URLs",
    "lib/utils": "it imports modules, reads source files or shows memory addresses",
    "core/memmap": "it maps files into memory",
    "core/records": "it reads files",
    "core/defchararray": "it is not an array, math, linear-algebra, random or FFT function",
    "matrixlib/defmatrix": "given a string, it looks names up in the caller's namespace",
    "pytesttester": "it runs numpy's test suite, which imports and runs code",
    "config": "it reports how numpy was built",
    "testing/": "numpy.testing runs code from strings",
}

_GLOBAL_SETTINGS = "it changes numpy's settings for all the code in the kernel, the checks included"
#: Names refused wherever they live: compiled functions (which have no file to judge
#: them by) and a few dangerous ones kept in computing modules.
DENIED_NUMPY_NAMES = {
    "fromfile": "it reads files",
    "frombuffer": "it reads the raw memory of another object",
    "fromstring": "it reads raw bytes",
    "from_dlpack": "it shares the raw memory of another library's object",
    "add_newdoc": "it imports a module named by a string, to rewrite docstrings",
    "add_docstring": "it rewrites numpy's docstrings",
    "add_newdoc_ufunc": "it rewrites numpy's docstrings",
    "set_numeric_ops": "it replaces the array operators (+, *, …) for all the code in the kernel",
    "set_string_function": _GLOBAL_SETTINGS,
    "set_printoptions": _GLOBAL_SETTINGS,
    "seterr": _GLOBAL_SETTINGS + " (use `with np.errstate(...)`)",
    "seterrcall": _GLOBAL_SETTINGS,
    "seterrobj": _GLOBAL_SETTINGS,
    "setbufsize": _GLOBAL_SETTINGS,
    "r_": "given a string, it looks names up in the caller's namespace "
          "(use np.concatenate or np.hstack)",
    "c_": "given a string, it looks names up in the caller's namespace (use np.column_stack)",
}
_NOT_COMPUTING = "it is not one of numpy's array, math, linear-algebra, random or FFT functions"


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


#: An answer cell longer than this is refused unread: reading it would cost the grader more
#: than any answer needs (the longest solution in the book is about 1,000 characters).
MAX_ANSWER = 20_000

#: The syntax an answer may use, as ``ast`` node types. An allow-list, so that syntax Python
#: adds later (or syntax that reads attributes without an ``ast.Attribute``, such as a
#: ``match`` statement's class patterns) is refused until someone has looked at it.
ALLOWED_SYNTAX = frozenset(getattr(ast, name) for name in """
    Module Expr FunctionDef Lambda arguments arg Return Assign AugAssign AnnAssign For While If
    With withitem Raise Try ExceptHandler Assert Import ImportFrom alias Pass Break Continue
    Delete Nonlocal BoolOp BinOp UnaryOp IfExp Dict Set List Tuple ListComp SetComp DictComp
    GeneratorExp comprehension Compare Call keyword FormattedValue JoinedStr
    Constant Attribute Subscript Slice Starred Name NamedExpr Load Store Del
    And Or Add Sub Mult MatMult Div Mod Pow LShift RShift BitOr BitXor BitAnd FloorDiv
    Invert Not UAdd USub Eq NotEq Lt LtE Gt GtE Is IsNot In NotIn
    Global ClassDef AsyncFunctionDef Await AsyncFor AsyncWith
""".split())
SYNTAX_NAMES = {"Match": "`match` statements", "TryStar": "`except*`",
                "TypeAlias": "`type` statements",
                # a generator paused inside `with np.errstate(...)` keeps that setting for
                # every cell after it, the checks of other exercises included
                "Yield": "generators (`yield`)", "YieldFrom": "generators (`yield from`)"}


def problems(source, namespace, limit=3):
    """Why the answer cell ``source`` is refused: a list of short reasons (empty if allowed)."""
    if len(source) > MAX_ANSWER:
        return [f"line 1: the cell is longer than {MAX_ANSWER:,} characters; answers are short "
                "functions"]
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
            if type(node) not in ALLOWED_SYNTAX and not getattr(node, "refused", False):
                name = type(node).__name__
                self.refuse(node, f"{SYNTAX_NAMES[name]} are not allowed in answers"
                            if name in SYNTAX_NAMES else
                            f"this syntax ({name}) is not allowed in answers")
                for inner in ast.walk(node):        # one reason for the whole statement
                    inner.refused = True
        for name, module in top_level_bindings(tree):
            if module is not None and _allowed_module(module):
                self.modules[name] = module.__name__
        self.scopes = {node: _scope_bindings(node) for node in ast.walk(tree)
                       if isinstance(node, SCOPES)}

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
        elif (name in DENIED_BUILTINS or name in IPYTHON_NAMES or re.fullmatch(r"_i?\d+", name)) \
                and not self.bound_locally(node, name):
            self.refuse(node, f"`{name}` is not allowed in answers")

    def bound_locally(self, node, name):
        """True if ``name`` at ``node`` is a parameter or local of an enclosing function (or
        comprehension): then it is the answer's own, not the built-in of that name."""
        scope = getattr(node, "parent", None)
        while scope is not None:
            if name in self.scopes.get(scope, ()):
                return True
            scope = getattr(scope, "parent", None)
        return False

    def bind_rule(self, node, name):
        """Names an answer may not rebind: the notebook's modules anywhere (``np = …``), and
        the built-ins at the top level, where the change would reach the rest of the notebook."""
        if name in self.modules and not isinstance(node, (ast.Import, ast.ImportFrom)):
            self.refuse(node, f"`{name}` is the notebook's {self.modules[name]}; rebinding it "
                              "is not allowed")
        elif name in SAFE_BUILTINS and _at_top_level(node):
            self.refuse(node, f"rebinding the built-in `{name}` at the top of the cell would "
                              "change it for the rest of the notebook; choose another name")

    def visit_Name(self, node):
        self.name_rule(node, node.id)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bind_rule(node, node.id)
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
        base = self.resolve(node.value)
        if attr.startswith("_"):
            self.refuse(node, f"`.{attr}` is not allowed (attributes starting with _ are private)")
        elif _is_numpy_namespace(base):
            # numpy's own names are judged by the allow-list, which says why (np.load, …).
            if why := numpy_refusal(base.__name__, attr):
                self.refuse(node, f"`{ast.unparse(_chain_top(node))}` is not allowed in "
                                  f"answers: {why}")
        elif isinstance(base, types.ModuleType) and base.__name__.startswith("numpy."):
            pass    # a refused numpy module: the link that reached it says why
        elif attr in BLOCKED_ATTRIBUTES or attr.startswith(FRAME_PREFIXES):
            why = ATTRIBUTE_REASONS.get(attr)
            self.refuse(node, f"`.{attr}` is not allowed in answers" + (f": {why}" if why else ""))
        if isinstance(node.ctx, (ast.Store, ast.Del)) and not self.network_parameters(node):
            self.refuse(node, "assigning to an attribute (x.y = …) is not allowed in answers, "
                              "except a network's `net.weights = …` and `net.biases = …`")
        value = self.resolve(node)
        if isinstance(value, types.ModuleType):
            if not _is_attribute_base(node):
                self.refuse(node, f"the module `{ast.unparse(node)}` is used as a value")
            elif not _allowed_module(value) and not value.__name__.startswith("numpy."):
                self.refuse(node, f"`{ast.unparse(node)}` leads to the module {value.__name__}")
        self.generic_visit(node)

    def network_parameters(self, node):
        """True for ``net.weights = …`` or ``net.biases = …``, as Nielsen's update writes it:
        the only attributes an answer may set, on a name of its own (not ``np``, not a
        class the notebook gives, whose methods the reference uses)."""
        return isinstance(node.ctx, ast.Store) and node.attr in ("weights", "biases") \
            and isinstance(node.value, ast.Name) and node.value.id in self.bound \
            and not (node.value.id in self.modules or node.value.id in self.ns.given
                     or node.value.id in self.ns.reserved)

    def resolve(self, node):
        """The object ``np.linalg.norm`` (say) names, if the chain starts at an allowed module."""
        if isinstance(node, ast.Name):
            return _module(self.modules[node.id]) if node.id in self.modules else None
        if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
            base = self.resolve(node.value)
            if isinstance(base, types.ModuleType):
                return _attribute(base, node.attr)
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
        module = node.module or ""
        if not self.check_module(node, module):
            self.quiet.update(a.asname or a.name for a in node.names)
            return
        for alias in node.names:
            if alias.name == "*":
                self.refuse(node, "`import *` is not allowed; name what you import")
                continue
            self.name_rule(node, alias.asname or alias.name)
            if module in NUMPY_NAMESPACES:
                if why := numpy_refusal(module, alias.name):
                    self.refuse(node, f"`{module}.{alias.name}` is not allowed in answers: {why}")
                    self.quiet.add(alias.asname or alias.name)
                continue
            value = _imported(module, alias.name)
            if isinstance(value, types.ModuleType) and not _allowed_module(value):
                self.refuse(node, f"`{alias.name}` is the module {value.__name__}")

    def check_module(self, node, name):
        """True if ``name`` is math or one of numpy's allowed namespaces; otherwise the
        import is refused, with numpy's reason for a numpy submodule."""
        if name == "math" or name in NUMPY_NAMESPACES:
            return True
        if name.split(".")[0] == "numpy":
            self.refuse(node, f"imports {name}: {_numpy_module_reason(name)}")
        else:
            self.refuse(node, f"imports {name or 'a module'}: answers may import numpy and "
                              "math only")
        return False

    def visit_FunctionDef(self, node):
        self.name_rule(node, node.name)
        self.bind_rule(node, node.name)
        self.generic_visit(node)

    def visit_arg(self, node):
        self.name_rule(node, node.arg)
        if node.arg in self.modules:
            self.bind_rule(node, node.arg)

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


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp,
          ast.DictComp, ast.GeneratorExp)


def _scope_bindings(scope):
    """Names a function (or comprehension) binds for itself: its parameters, and every name
    bound in its body outside nested scopes (Python makes those local for the whole body)."""
    names = set()
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        names |= _bindings(node)
        if isinstance(node, SCOPES):
            continue            # a nested function's name binds here; its body does not
        todo.extend(ast.iter_child_nodes(node))
    return names


def _at_top_level(node):
    """True if ``node`` binds in the cell's (the notebook's) namespace, not a function's."""
    parent = getattr(node, "parent", None)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                               ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return False
        parent = getattr(parent, "parent", None)
    return True


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


def _chain_top(node):
    """The whole ``np.testing.runstring`` of which ``node`` (``np.testing``) is a link."""
    while isinstance(getattr(node, "parent", None), ast.Attribute) and node.parent.value is node:
        node = node.parent
    return node


def _allowed_module(module):
    """math, or one of numpy's namespaces answers may use."""
    name = getattr(module, "__name__", "")
    return name == "math" or name in NUMPY_NAMESPACES


def _is_numpy_namespace(value):
    return isinstance(value, types.ModuleType) and value.__name__ in NUMPY_NAMESPACES \
        and value is sys.modules.get(value.__name__)


def _module(name, trusted=False):
    """The module called ``name``, imported here only if it is math or an allowed numpy
    namespace, or the cell that names it is the teacher's: a student's cell never makes
    the grader import anything (``np.f2py`` stays unimported)."""
    if not name or not (trusted or name == "math" or name in NUMPY_NAMESPACES):
        return None
    try:
        return importlib.import_module(name)
    except Exception:   # not importable here: treated as an unknown module
        return None


def _is_submodule(name):
    """True if ``name`` (``numpy.testing``) is a module inside an imported package; found
    from the package's path, without importing it or any other package."""
    parent = name.rpartition(".")[0]
    if not parent or parent not in sys.modules:
        return False
    if name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError, AttributeError):
        return False


def _attribute(module, name, trusted=False):
    """``module.name`` as the screen follows a chain: a submodule that may not be imported
    stands as an empty module of that name, and a refused module is never looked into."""
    full = f"{module.__name__}.{name}"
    if trusted and not _allowed_module(module):     # the teacher's imports: what Python binds
        value = getattr(module, name, None)
        if value is not None:
            return value
    if _is_submodule(full):
        return _module(full, trusted) or types.ModuleType(full)
    if not (trusted or _allowed_module(module)) or module is not sys.modules.get(module.__name__):
        return None
    with warnings.catch_warnings():     # numpy warns on some deprecated names
        warnings.simplefilter("ignore")
        try:
            return getattr(module, name, None)
        except Exception:
            return None


def _imported(module, name, trusted=False):
    """What ``from module import name`` binds (a foreign module if unknown)."""
    parent = _module(module, trusted)
    value = _attribute(parent, name, trusted) if parent is not None else None
    if value is None and not (module == "math" or module in NUMPY_NAMESPACES):
        value = types.ModuleType(f"{module}.{name}")   # unknown: treat as a foreign module
    return value


# --- the numpy allow-list ----------------------------------------------------------------

def numpy_refusal(namespace, name):
    """Why an answer may not use ``name`` from the numpy namespace ``namespace``
    (``"numpy"``, ``"numpy.linalg"`` …), or None if it may."""
    verdicts = _numpy_verdicts(namespace)
    if name in verdicts:
        return verdicts[name]
    if _is_submodule(f"{namespace}.{name}"):    # not in numpy's dir() (numpy 1.x's core, f2py)
        return _numpy_module_reason(f"{namespace}.{name}")
    return f"{namespace} has no public name {name!r} that answers may use"


@functools.lru_cache(maxsize=None)
def _numpy_verdicts(namespace):
    """``{name: None (allowed) or why not}`` for every public name of one numpy namespace,
    read from the installed numpy the first time the grader needs it."""
    module = importlib.import_module(namespace)
    verdicts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in dir(module):
            if name.startswith("_"):
                continue
            full = f"{namespace}.{name}"
            if _is_submodule(full):      # judged by name: never imported to find out
                verdicts[name] = None if full in NUMPY_NAMESPACES else _numpy_module_reason(full)
                continue
            try:
                value = getattr(module, name)
            except Exception:
                continue
            if isinstance(value, types.ModuleType):     # np.emath is numpy.lib.scimath
                verdicts[name] = None if _allowed_module(value) else _numpy_module_reason(full)
            else:
                verdicts[name] = _numpy_verdict(name, value)
    return verdicts


def _numpy_verdict(name, value):
    """None if an answer may use ``value`` (numpy's ``name``); otherwise why not."""
    import numpy as np
    if name in DENIED_NUMPY_NAMES:
        return DENIED_NUMPY_NAMES[name]
    if isinstance(value, (np.ufunc, np.dtype)) or value is None \
            or isinstance(value, (bool, int, float, complex, np.generic)):
        return None                 # np.exp; np.pi, np.newaxis, np.True_
    if isinstance(value, type) and issubclass(value, (np.generic, np.dtype, BaseException)):
        return None                 # np.float64, np.linalg.LinAlgError
    source = _numpy_source(value)
    if source == "":                # compiled: np.array, np.zeros, np.ndarray …
        return None if callable(value) else _NOT_COMPUTING
    if source in COMPUTING_SOURCES or source.startswith(tuple(
            folder for folder in COMPUTING_SOURCES if folder.endswith("/"))):
        return None
    for where, why in NUMPY_SOURCE_REASONS.items():
        if source == where or (where.endswith("/") and source.startswith(where)):
            return why
    return _NOT_COMPUTING


def _numpy_module_reason(name):
    """Why the numpy submodule ``name`` (``numpy.testing``) is refused."""
    parts = name.split(".")
    why = NUMPY_MODULE_REASONS.get(parts[1].lstrip("_")) if len(parts) > 1 else None
    return why or (f"{name} is not one of the numpy modules answers may use "
                   f"({', '.join(NUMPY_NAMESPACES)})")


def _numpy_source(value):
    """The file ``value``'s code lives in, as a path inside numpy without underscores and
    ``_impl`` (``lib/npyio``); "" for compiled code, which has no file."""
    for _ in range(5):      # array_function_dispatch wrappers, bound methods
        inner = next((getattr(value, a) for a in ("_implementation", "__wrapped__", "__func__")
                      if getattr(value, a, None) is not None), None)
        if inner is None or inner is value:
            break
        value = inner
    code = getattr(value, "__code__", None)
    if code is not None:
        return _normalised(code.co_filename)
    cls = value if isinstance(value, type) else type(value)    # a class, or an instance (np.r_)
    module = getattr(cls, "__module__", None) or ""
    if module.startswith("numpy.") and module not in NUMPY_NAMESPACES:
        # Not renamed to a public namespace: it names the file (numpy.random._generator).
        return _normalised(module.replace(".", "/") + ".py")
    # Renamed (memmap.__module__ is "numpy"): the file most of its methods are written in
    # (one method may be wrapped by a decorator from another file).
    files = collections.Counter(
        _normalised(code.co_filename) for klass in cls.__mro__[:-1] for member in vars(klass).values()
        if (code := getattr(getattr(member, "__func__", member), "__code__", None)) is not None)
    files = [(n, f) for f, n in files.items() if not f.startswith("?")]
    return max(files)[1] if files else ""


def _normalised(filename):
    """``…/numpy/lib/_npyio_impl.py`` -> ``lib/npyio``; numpy 1.x's ``lib/npyio.py`` too."""
    path = "/" + filename.replace("\\", "/")
    if "/numpy/" not in path:
        return "?" + filename       # not numpy's code at all
    parts = path.rsplit("/numpy/", 1)[1].rsplit(".", 1)[0].split("/")
    return "/".join(re.sub(r"_impl$", "", part.strip("_")) for part in parts)
