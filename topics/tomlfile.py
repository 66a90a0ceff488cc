"""TOML files: one reader with one-line errors naming the file, and a writer for the tables the
package saves (resolved configs, lexicons)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import InputError, existing_file


def read_toml(path: str | Path, what: str = "TOML file") -> dict:
    """The file's tables; InputError naming the file when it is missing, a folder, not UTF-8 or not TOML."""
    if Path(path).is_dir():  # "what" may be a plural ("tokenizer settings"): name the kind plainly here
        raise InputError(f"{path}: is a folder, expected a file ({what})")
    file = existing_file(path, what)
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: invalid TOML in {what}: {err}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read {what} ({err.strerror or err})") from None


def to_toml(data: dict) -> str:
    """Write nested tables of scalars and lists back as TOML."""
    lines: list[str] = []
    _write_table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _write_table(table: dict, prefix: list[str], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    subtables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if prefix and (scalars or not subtables):
        lines.append("")
        lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
    for key, value in scalars.items():
        if value is None:  # TOML has no null: the library's own default applies
            lines.append(f"# {key}: not set (the library's default)")
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in subtables.items():
        _write_table(value, prefix + [key], lines)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _toml_value(key)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
