"""What the report drew last time, so that a plot or LDAvis page whose inputs did not change is kept, not drawn again.

RUN_DIR/plots/drawn.json maps each drawn file (its path in the run folder) to a digest of everything it is drawn
from — the function that draws it and its arguments (the table rows, titles, labels, theme names), the source of
the modules that draw, the package's, matplotlib's and pyLDAvis' versions and the fonts installed — and to a digest of the
file's bytes. A file is kept when both digests still match; anything else (an input changed, the file deleted or
damaged, the manifest missing or damaged) draws it again. Drawing is deterministic (no version stamp in a PNG), so a
kept file has the very bytes a new drawing would have, and the report page is the same either way."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..outputs import open_output
from ..run_files import PLOT_MANIFEST, PLOTS
from ..versions import DISTRIBUTION

FORMAT = 1
# the modules whose code decides what a plot or page looks like: a change to any of them draws everything again
DRAWING_MODULES = ("plots", "inference", "corrected", "ldavis", "tables", "drawn")
PLOTS_PART, REPORT_PART = "plots", "report"  # who draws a file: write_plots, or write_report (LDAvis pages, sections)


class DrawnFiles:
    """The manifest of a run folder's drawn files, read at the start of a rendering and written at its end.

    ``part`` names who draws (PLOTS_PART or REPORT_PART), so that each removes only the old files of its own that it
    did not keep (see prune)."""

    def __init__(self, run_dir: str | Path, part: str):
        self.run_dir, self.part = Path(run_dir), part
        self.path = self.run_dir / PLOTS / PLOT_MANIFEST
        self.entries = read_manifest(self.path)
        self.kept: set[str] = set()  # drawn or kept by this rendering

    def file(self, path: Path, draw: Callable[[], object], *inputs) -> Path | None:
        """``path`` kept when it was drawn from the same ``inputs`` and is unchanged since, else ``draw()`` called to
        write it; None when ``draw`` wrote nothing (returned None)."""
        name = Path(path).relative_to(self.run_dir).as_posix()
        digest = inputs_digest(*inputs)
        entry = self.entries.pop(name, None)
        if entry is not None and entry["inputs"] == digest and entry["sha256"] == file_digest(path):
            self.entries[name] = {**entry, "part": self.part, "reused": True}
            self.kept.add(name)
            return Path(path)
        if draw() is None:
            return None
        self.entries[name] = {"inputs": digest, "sha256": file_digest(path), "part": self.part, "reused": False}
        self.kept.add(name)
        return Path(path)

    def figure(self, path: Path, save: Callable, make: Callable, *args) -> Path | None:
        """A plot: ``save(make(*args), path)`` unless kept (``make`` returning None draws nothing)."""
        def draw():
            figure = make(*args)
            return None if figure is None else save(figure, path)

        return self.file(path, draw, make, *args)

    def prune(self, folder: Path, pattern: str, spare: tuple[str, ...] = ()) -> None:
        """Delete the files of ``folder`` matching ``pattern`` that this rendering did not keep, but for those the
        manifest says a part in ``spare`` drew: a re-render leaves no plot or page of a model no longer in the run."""
        from .tables import remove_old_output

        for old in sorted(Path(folder).glob(pattern)):
            name = old.relative_to(self.run_dir).as_posix()
            if name in self.kept or self.entries.get(name, {}).get("part") in spare:
                continue
            remove_old_output(old)
            self.entries.pop(name, None)

    def save(self) -> Path:
        """Write the manifest: the entries of files that exist, by name."""
        files = {name: entry for name, entry in sorted(self.entries.items()) if (self.run_dir / name).is_file()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open_output(self.path) as out:
            json.dump({"format": FORMAT, "files": files}, out, ensure_ascii=False, indent=1)
            out.write("\n")
        return self.path


def read_manifest(path: Path) -> dict[str, dict]:
    """The manifest's entries; {} when it is missing or damaged in any way (then everything is drawn again)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(files, dict):
        return {}
    keys = {"inputs": str, "sha256": str, "part": str, "reused": bool}
    if not all(isinstance(entry, dict) and all(isinstance(entry.get(key), kind) for key, kind in keys.items())
               for entry in files.values()):
        return {}
    return dict(files)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def inputs_digest(*inputs) -> str:
    digest = hashlib.sha256(drawing_version().encode())
    for value in inputs:
        _feed(digest, value)
    return digest.hexdigest()


_VERSION: list[str] = []


def drawing_version() -> str:
    """A digest of what draws, beyond a plot's own inputs: the drawing modules' source, the package's, matplotlib's
    and pyLDAvis' versions and the fonts installed, the plot font among them (once per process)."""
    if not _VERSION:
        from matplotlib import font_manager

        fonts = sorted({font.name for font in font_manager.fontManager.ttflist})
        digest = hashlib.sha256(f"{fonts}".encode())
        for package in (DISTRIBUTION, "matplotlib", "pyLDAvis", "numpy", "pandas"):
            try:
                digest.update(f" {package} {metadata.version(package)}".encode())
            except metadata.PackageNotFoundError:
                digest.update(f" {package} -".encode())
        here = Path(__file__).parent
        for module in DRAWING_MODULES:
            try:
                digest.update((here / f"{module}.py").read_bytes())
            except OSError:  # no source beside the package: its version stands for it
                digest.update(module.encode())
        _VERSION.append(digest.hexdigest())
    return _VERSION[0]


def _feed(digest, value) -> None:
    """Add ``value`` to ``digest``, tagged by its kind so that different values never feed the same bytes."""
    if isinstance(value, pd.DataFrame):
        _tag(digest, "frame", repr((list(map(str, value.columns)), list(map(str, value.dtypes)),
                                    list(map(str, value.index.names)), value.columns.name, value.index.name)))
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        _tag(digest, "series", repr((str(value.name), str(value.dtype), list(map(str, value.index.names)))))
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        _tag(digest, "array", f"{value.dtype.str} {value.shape}")
        if value.dtype == object:
            _feed(digest, value.tolist())
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        _tag(digest, "dict", str(len(value)))
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
    elif isinstance(value, (list, tuple)) and all(type(item) is str for item in value):  # a vocabulary: at once
        _tag(digest, f"{type(value).__name__} of str", json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        _tag(digest, type(value).__name__, str(len(value)))
        for item in value:
            _feed(digest, item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _tag(digest, type(value).__qualname__, "")
        for field in dataclasses.fields(value):
            _feed(digest, field.name)
            _feed(digest, getattr(value, field.name))
    elif isinstance(value, np.generic):
        _feed(digest, value.item())
    elif value is None or isinstance(value, (str, int, float, bool)):
        _tag(digest, type(value).__name__, repr(value))
    elif callable(value):
        _tag(digest, "function", f"{value.__module__}.{value.__qualname__}")
    else:
        raise TypeError(f"cannot digest a {type(value).__name__} as a plot's input")


def _tag(digest, kind: str, text: str) -> None:
    encoded = f"{kind}:{text}".encode()
    digest.update(len(encoded).to_bytes(8, "little") + encoded)
