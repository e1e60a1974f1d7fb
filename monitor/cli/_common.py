"""Shared CLI plumbing: the app object, options every command takes, output formats, error lines."""

import contextlib
import csv
import functools
import gc
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

# Usage errors raise click's exceptions; recent Typer carries its own copy of click.
try:
    from typer._click.exceptions import ClickException as ClickException
    from typer._click.exceptions import NoArgsIsHelpError as NoArgsIsHelpError
except ImportError:  # a Typer that uses the click package
    from click.exceptions import ClickException as ClickException  # type: ignore[no-redef]
    from click.exceptions import NoArgsIsHelpError as NoArgsIsHelpError  # type: ignore[no-redef]

from monitor.errors import ClaimwatchError, SecretError

if TYPE_CHECKING:
    from rich.console import Console

    from monitor.config import Config

# Start-up is imports, so this package imports at top level only what every command needs, `--help`
# included (typer and our errors); rich, SQLAlchemy, pydantic and the config models are imported by
# the commands that use them. See docs/decisions.md "Start-up: lazy imports, plain help".
app = typer.Typer(
    name="claimwatch",
    help="Watch news sources and get told when a position shifts, not merely when text changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help (click's): typer's rich help imports rich, markdown-it and rich's traceback and
    # pretty-printer, 60-90 ms, half of the `--help` budget of 0.12 s.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class GlobalOptions:
    """Options given before the subcommand (`claimwatch --config X -v history`); set by the root
    callback on every invocation, so nothing leaks from one call of `app` to the next."""

    config: Path | None = None
    verbose: bool = False
    quiet: bool = False


GLOBALS = GlobalOptions()


class _LazyConsole:
    """A rich Console made on first use: rich.console costs ~20-30 ms to import, and `--help`,
    `history --format json` or a usage error never print through it. Behaves as the Console."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def _real(self) -> "Console":
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def _stream(self) -> Any:
        return sys.stderr if self._options.get("stderr") else sys.stdout

    def _plain(self) -> bool:
        """True while rich would treat this console's stream as a plain file or terminal: rich not
        loaded for it yet, and none of what rich's `is_terminal` looks at besides `isatty()` is in
        play (TTY_COMPATIBLE, FORCE_COLOR, IPython/Jupyter, IDLE, a stream rich proxies)."""
        if self._console is not None or {"force_terminal", "file"} & self._options.keys():
            return False
        if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
            return False
        import builtins

        if hasattr(builtins, "get_ipython"):
            return False
        stdin_module = getattr(sys.stdin, "__module__", None)
        if isinstance(stdin_module, str) and stdin_module.startswith("idlelib"):
            return False
        return not hasattr(self._stream(), "rich_proxied_file")

    @property
    def is_terminal(self) -> bool:
        """rich's `Console.is_terminal`, answered without importing rich when that is certain."""
        if not self._plain():
            return bool(self._real().is_terminal)
        isatty = getattr(self._stream(), "isatty", None)
        try:
            return False if isatty is None else bool(isatty())
        except ValueError:  # a closed stream, as rich says
            return False

    def print_plain(self, text: str, *, soft_wrap: bool = False) -> None:
        """`print(text, markup=False[, soft_wrap=True])` for one line of plain text: written as is when
        rich would write exactly that (see `_fits_plain`), else through rich."""
        if self._plain() and _fits_plain(text, check_width=not soft_wrap):
            stream = self._stream()
            stream.write(text + "\n")
            stream.flush()
            return
        self._real().print(text, markup=False, soft_wrap=soft_wrap)


console: "Console" = _LazyConsole(highlight=False)  # type: ignore[assignment]
err_console: "Console" = _LazyConsole(stderr=True, highlight=False)  # type: ignore[assignment]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $CLAIMWATCH_CONFIG, ./claimwatch.toml, the user config dir, built-ins).",
        show_default=False,
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ClaimwatchError into one clear line on stderr and its exit status; no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ClaimwatchError as exc:
            err_console.print(f"claimwatch: error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if not _is_database_error(exc):
                raise
            # the database is locked past the busy timeout, full, unreachable
            reason = (str(exc.orig or exc).strip().splitlines() or [type(exc).__name__])[0]
            err_console.print(f"claimwatch: error: database: {reason}", markup=False, highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def _is_database_error(exc: Exception) -> bool:
    """A SQLAlchemy DBAPIError, without importing SQLAlchemy: if it was never imported, nothing raised one."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.DBAPIError)


def config_path(path: Path | None) -> Path | None:
    """The command's own `--config`, else the one given before the subcommand."""
    return path if path is not None else GLOBALS.config


def get_config(path: Path | None, *, announce: bool = True, sources: bool = False) -> "Config":
    """Load the config. With no config file found, say so on stderr with what the built-in defaults
    mean, the database path above all (`announce`); for commands about sources (`sources`), warn
    when there are none. `-q` silences both."""
    from monitor.config import load_config

    settings = load_config(config_path(path))
    if GLOBALS.quiet:
        return settings
    if settings.path is None and announce:
        err_console.print(
            "claimwatch: no config file found (--config, $CLAIMWATCH_CONFIG, ./claimwatch.toml, "
            f"{user_config_file()}); using the built-in defaults: database "
            f"{redact_url(settings.database_url)}, no sources, alerts on the console",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if sources and not settings.sources:
        where = settings.path or "the built-in defaults"
        err_console.print(
            f"claimwatch: warning: no sources configured in {where}; add [[sources]] entries "
            "(see config.example.toml) or try `claimwatch demo`",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return settings


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("claimwatch")) / "claimwatch.toml"


def redact_url(url: str) -> str:
    """`scheme://user:password@host` -> `scheme://user:***@host`: a URL shown is never a secret."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", url)


def require_secrets(settings: "Config") -> None:
    """Refuse to start a command that sends alerts while a channel's secret is missing: a missing
    variable cannot fix itself, so it is one clear error now rather than a retry loop later."""
    if not settings.channels:
        return
    from monitor.alerts.channels import missing_secrets

    problems = missing_secrets(settings.channels)
    if problems:
        raise SecretError(
            "; ".join(problems)
            + " (export it, or put it in the service's environment file; --no-alerts queues alerts "
            "without sending them)"
        )


# Set by `main()`: this is a claimwatch process of its own, not the CLI called inside another program
# (tests call `app` directly), so it may freeze its start-up objects (see `startup`).
OWN_PROCESS = False


@contextlib.contextmanager
def startup() -> Iterator[None]:
    """The imports and the config of a long command (`check`, `run`), with the cyclic GC paused.

    They allocate hundreds of thousands of objects and free almost none, so every collection they
    trigger is wasted, and each full one walks all of them again. Afterwards, in a process of our
    own, `gc.freeze()` keeps them out of every later collection (they live until exit anyway). See
    docs/decisions.md "Start-up of `claimwatch check`".
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if OWN_PROCESS:
            gc.freeze()
        if paused:
            gc.enable()


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[str],
    *,
    json_key: str | None = None,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Print rows as a rich table, JSON (`{json_key: rows}` or a bare list) or CSV with a header."""
    if fmt is OutputFormat.json:
        payload: Any = {json_key: list(rows)} if json_key else list(rows)
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    if fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
        sys.stdout.write(buffer.getvalue())
        return
    if not rows:
        print_line(console, empty)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False)
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    needed = 1
    for index, column in enumerate(columns):
        header = column.replace("_", " ")
        values = [line[index] for line in cells]
        # Lines break between words, never inside one: a column is at least as wide as its longest
        # word (up to a limit), and a column of single words (ids, kinds, times) is never wrapped.
        longest_word = max([len(header), *(len(w) for v in values for w in v.split())])
        atomic = all(" " not in v for v in values) and longest_word <= _ATOMIC_MAX
        width = min(longest_word, _WORD_MAX)
        table.add_column(header, overflow="fold", min_width=width, no_wrap=atomic)
        needed += width + 3
    for line in cells:
        # Cells hold article text and server messages: Text objects, so "[/b]" or "[link=...]" in them
        # is printed as written, never parsed as rich markup.
        table.add_row(*(Text(value) for value in line))
    # Not on a terminal (a pipe, a file): rich would assume 80 columns; $COLUMNS, else 120, and never
    # narrower than the words need.
    base = console.width if "COLUMNS" in os.environ else _PIPE_DEFAULT
    if console.is_terminal:
        console.print(table)
    else:  # rich caps a print's width at the console's, so a console of that width
        Console(file=sys.stdout, width=max(base, min(needed, _PIPE_MAX)), highlight=False).print(table)


def print_line(target: "Console", text: str, *, soft_wrap: bool = False) -> None:
    """`target.print(text, markup=False, soft_wrap=...)`, without importing rich for a plain line."""
    if isinstance(target, _LazyConsole):
        target.print_plain(text, soft_wrap=soft_wrap)
    else:
        target.print(text, markup=False, soft_wrap=soft_wrap)


def _fits_plain(text: str, *, check_width: bool) -> bool:
    """Whether rich would print `text` (markup off, highlighting off) as exactly `text` and a newline:
    printable ASCII, no emoji code (`:name:`), no tab, no edge spaces, and (unless soft-wrapped)
    narrower than the width rich would use ($COLUMNS, else the terminal's, else 80)."""
    if not (text.isascii() and text.isprintable()) or ":" in text or text != text.strip():
        return False
    if not check_width:
        return True
    columns = os.environ.get("COLUMNS")
    width: int | None = int(columns) if columns is not None and columns.isdigit() else None
    if width is None:
        for descriptor in (0, 1, 2):  # rich asks stdin, stdout, stderr in this order
            try:
                width = os.get_terminal_size(descriptor).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
    return len(text) < min(width or 80, 80)  # a "dumb" terminal is 80 wide to rich


_WORD_MAX = 40  # a longer "word" (a URL) may fold
_ATOMIC_MAX = 40
_PIPE_MAX = 240
_PIPE_DEFAULT = 120


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def read_lines(values: Iterable[str]) -> list[str]:
    return [v for v in values if v]
